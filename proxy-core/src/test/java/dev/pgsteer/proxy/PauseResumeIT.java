package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The admin console's PAUSE holds statements that need a backend connection until RESUME, longer than the acquire timeout. */
class PauseResumeIT {

    @Test
    void aStatementWaitsWhilePausedAndRunsAfterResume() throws Exception {
        try (EmbeddedBackend backend = EmbeddedBackend.start();
             PgSteerServer proxy = new PgSteerServer(backend.quickConfig()).start()) {
            try (Connection admin = Pgjdbc.connect(proxy, "pgsteer", "preferQueryMode=simple");
                 Connection client = Pgjdbc.connect(proxy, EmbeddedBackend.DATABASE);
                 Statement console = admin.createStatement()) {
                try (ResultSet rs = console.executeQuery("PAUSE")) {
                    assertTrue(rs.next());
                    assertTrue(rs.getString("status").startsWith("paused"), rs.getString("status"));
                }
                CompletableFuture<Integer> query = CompletableFuture.supplyAsync(() -> {
                    try (Statement s = client.createStatement(); ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
                        rs.next();
                        return rs.getInt(1);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                // Longer than the default acquire timeout (5 s) would be slow for a test; 2 s shows it waits.
                Thread.sleep(2000);
                assertFalse(query.isDone(), "the statement waits while pgsteer is paused");
                try (ResultSet rs = console.executeQuery("RESUME")) {
                    assertTrue(rs.next());
                    assertEquals("resumed", rs.getString("status"));
                }
                assertEquals(42, query.get(10, TimeUnit.SECONDS));
            }
        }
    }
}
