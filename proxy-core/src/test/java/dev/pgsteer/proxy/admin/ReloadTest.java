package dev.pgsteer.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ConfigProblem;
import dev.pgsteer.proxy.runtime.ReloadOutcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What RELOAD answers for each outcome of a reload. */
class ReloadTest {

    @Test
    void anAppliedReloadIsOneStatusRowAndOneForEachSettingThatNeedsARestart() {
        Result result = Reload.answer(new ReloadOutcome.Applied("pgsteer.yaml", List.of("users +bob"),
                List.of("listen changed from 127.0.0.1:6432 to :6432: that needs a restart; still listening on 127.0.0.1:6432")));
        assertEquals("RELOAD", result.tag());
        assertEquals(List.of(List.of("reloaded pgsteer.yaml: users +bob"),
                List.of("not applied: listen changed from 127.0.0.1:6432 to :6432: that needs a restart; still listening on 127.0.0.1:6432")),
                result.rows());
        assertEquals(List.of(List.of("reloaded pgsteer.yaml: nothing changed")),
                Reload.answer(new ReloadOutcome.Applied("pgsteer.yaml", List.of(), List.of())).rows());
    }

    @Test
    void aRejectedFileIsF0000WithEveryProblemsFileLineAndFix() {
        CommandError e = assertThrows(CommandError.class, () -> Reload.answer(new ReloadOutcome.Rejected("pgsteer.yaml", List.of(
                new ConfigProblem("pgsteer.yaml", 2, "auth: 'password' is not an auth method", "use one of scram-sha-256, md5, trust"),
                new ConfigProblem("pgsteer.yaml", 9, "unknown key 'sise' in databases.app.pool", "did you mean 'size'?")))));
        assertEquals("F0000", e.error().sqlState());
        String message = e.error().message();
        assertTrue(message.contains("pgsteer.yaml:2: auth: 'password' is not an auth method. Fix: use one of scram-sha-256, md5, trust"), message);
        assertTrue(message.contains("pgsteer.yaml:9: unknown key 'sise' in databases.app.pool. Fix: did you mean 'size'?"), message);
        assertTrue(message.contains("the running configuration stays"), message);
    }

    @Test
    void withoutAFileThereIsNothingToReread() {
        CommandError e = assertThrows(CommandError.class, () -> Reload.answer(ReloadOutcome.noFile()));
        assertEquals("F0000", e.error().sqlState());
        assertTrue(e.error().message().contains("no configuration file to re-read"), e.error().message());
    }
}
