package dev.pgsteer.proxy.sharding.transaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileDecisionLogTest {
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void pendingDecisionsAndTheNodeSurviveAReopen() throws Exception {
        Path path = dir.resolve("state").resolve("pgsteer-decisions.log");
        Gid one;
        Gid two;
        String node;
        try (FileDecisionLog log = FileDecisionLog.open(path, executor)) {
            node = log.node();
            one = new Gid(node, "1");
            two = new Gid(node, "2");
            log.commit(one, List.of("s0", "s1")).get(5, TimeUnit.SECONDS);
            log.commit(two, List.of("s1", "s2")).get(5, TimeUnit.SECONDS);
            log.done(one);
        }
        try (FileDecisionLog again = FileDecisionLog.open(path, executor)) {
            assertEquals(node, again.node());
            assertEquals(Set.of(two), again.decided(List.of(one, two)));
            assertEquals(List.of("NODE " + node, "COMMIT " + two.text() + " s1,s2"), Files.readAllLines(path), "compacted");
        }
    }

    @Test
    void twoInstancesCannotShareOneLog() {
        Path path = dir.resolve("pgsteer-decisions.log");
        try (FileDecisionLog first = FileDecisionLog.open(path, executor)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> FileDecisionLog.open(path, executor));
            assertTrue(e.getMessage().contains("another pgsteer is using it"), e.getMessage());
        }
        FileDecisionLog.open(path, executor).close();
    }
}
