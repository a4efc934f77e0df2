package dev.pgsteer.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the local decision log goes: state_dir, an earlier version's file, or the XDG state folder per port; never the working directory otherwise. */
class DecisionLogPlaceTest {
    @TempDir
    Path work;

    private static ProxyConfig config(String extra) {
        return ConfigLoader.parse("""
                listen: 127.0.0.1:7432
                users: { app: { password: pw } }
                backends: { a: { url: "postgresql://u:p@127.0.0.1:5432/x" } }
                databases: { x: { shards: [a] } }
                """ + extra, "/etc/pgsteer/pgsteer.yaml", Map.of());
    }

    @Test
    void stateDirWinsAndIsRelativeToTheConfigurationFile() {
        DecisionLogPlace place = DecisionLogPlace.choose(config("state_dir: state\n"), Map.of("XDG_STATE_HOME", "/xdg"), work);
        assertEquals(Path.of("/etc/pgsteer/state/pgsteer-decisions.log"), place.path());
        assertNull(place.note());
    }

    @Test
    void withoutStateDirTheXdgStateFolderPerListenPort() {
        assertEquals(Path.of("/xdg/pgsteer/7432/pgsteer-decisions.log"),
                DecisionLogPlace.choose(config(""), Map.of("XDG_STATE_HOME", "/xdg", "HOME", "/home/me"), work).path());
        assertEquals(Path.of("/home/me/.local/state/pgsteer/7432/pgsteer-decisions.log"),
                DecisionLogPlace.choose(config(""), Map.of("HOME", "/home/me"), work).path());
        assertEquals(Path.of("/home/me/.local/state/pgsteer/7432/pgsteer-decisions.log"),
                DecisionLogPlace.choose(config(""), Map.of("XDG_STATE_HOME", "relative", "HOME", "/home/me"), work).path(),
                "XDG says a relative XDG_STATE_HOME is to be ignored");
    }

    @Test
    void anEphemeralListenPortGetsAFolderOfItsOwn() {
        ProxyConfig ephemeral = ConfigLoader.parse("""
                listen: 127.0.0.1:0
                users: { app: { password: pw } }
                backends: { a: { url: "postgresql://u:p@127.0.0.1:5432/x" } }
                databases: { x: { shards: [a] } }
                """, "/etc/pgsteer/pgsteer.yaml", Map.of());
        Path one = DecisionLogPlace.choose(ephemeral, Map.of("HOME", "/home/me"), work).path();
        Path two = DecisionLogPlace.choose(ephemeral, Map.of("HOME", "/home/me"), work).path();
        assertTrue(!one.equals(two) && !one.startsWith("/home/me"), one + " and " + two);
    }

    @Test
    void anEarlierVersionsFileInTheWorkingDirectoryIsKeptAndTheLogSaysSo() throws Exception {
        Files.writeString(work.resolve("pgsteer-decisions.log"), "NODE abcd1234\n");
        DecisionLogPlace place = DecisionLogPlace.choose(config(""), Map.of("HOME", "/home/me"), work);
        assertEquals(work.resolve("pgsteer-decisions.log"), place.path());
        assertTrue(place.note().contains("state_dir"), place.note());

        assertEquals(Path.of("/etc/pgsteer/s/pgsteer-decisions.log"),
                DecisionLogPlace.choose(config("state_dir: /etc/pgsteer/s\n"), Map.of(), work).path(), "state_dir still wins");
    }
}
