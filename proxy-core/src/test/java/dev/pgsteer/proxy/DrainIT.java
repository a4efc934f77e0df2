package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A graceful stop: new clients are refused, idle sessions are ended with 57P01 at once, and a
 * transaction that is running may still commit before its session is ended.
 */
class DrainIT {

    @Test
    void aRunningTransactionMayCommitWhileIdleSessionsAndNewClientsAreTurnedAway() throws Exception {
        try (EmbeddedBackend backend = EmbeddedBackend.start()) {
            try (Connection c = backend.direct(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE drained (v text)");
            }
            PgSteerServer proxy = new PgSteerServer(backend.quickConfig()).start();
            String url = Pgjdbc.url(proxy, EmbeddedBackend.DATABASE);
            try (Connection busy = DriverManager.getConnection(url, EmbeddedBackend.USER, EmbeddedBackend.PASSWORD);
                 Connection idle = DriverManager.getConnection(url, EmbeddedBackend.USER, EmbeddedBackend.PASSWORD);
                 Statement s = busy.createStatement()) {
                busy.setAutoCommit(false);
                s.executeUpdate("INSERT INTO drained VALUES ('committed during the drain')");

                CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> proxy.drain(Duration.ofSeconds(20)));
                Thread.sleep(500);
                SQLException ended = assertThrows(SQLException.class, () -> idle.createStatement().executeQuery("SELECT 1"));
                assertTrue(ended.getSQLState() == null || ended.getSQLState().startsWith("57P01") || ended.getSQLState().startsWith("08"),
                        ended.getSQLState() + " " + ended.getMessage());
                assertThrows(SQLException.class, () -> DriverManager.getConnection(url, EmbeddedBackend.USER, EmbeddedBackend.PASSWORD),
                        "new clients are refused");
                assertTrue(!drained.isDone(), "the drain waits for the transaction");

                busy.commit();
                drained.get(10, TimeUnit.SECONDS);
                assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"), "its session is ended after the commit");
            } finally {
                proxy.close();
            }
            try (Connection c = backend.direct(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT v FROM drained")) {
                assertTrue(rs.next());
                assertEquals("committed during the drain", rs.getString(1));
            }
        }
    }
}
