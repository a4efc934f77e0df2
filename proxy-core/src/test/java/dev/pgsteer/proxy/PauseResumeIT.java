package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ListenAddress;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import java.sql.Connection;
import java.sql.DriverManager;
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
             PgSteerServer proxy = new PgSteerServer(ProxyConfig.quick(new ListenAddress("127.0.0.1", 0),
                     BackendUrl.parse(backend.url()))).start()) {
            String base = "jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/";
            try (Connection admin = DriverManager.getConnection(base + "pgsteer?preferQueryMode=simple",
                         EmbeddedBackend.USER, EmbeddedBackend.PASSWORD);
                 Connection client = DriverManager.getConnection(base + EmbeddedBackend.DATABASE,
                         EmbeddedBackend.USER, EmbeddedBackend.PASSWORD);
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
