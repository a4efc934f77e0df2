package dev.pgsteer.proxy.tenant;

import static dev.pgsteer.proxy.tenant.TenancyIT.items;
import static dev.pgsteer.proxy.tenant.TenancyIT.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.TenantCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Two pgsteer instances sharing a metadata store: a tenant created through one is routed by the
 * other within a second; while the store is down both keep serving the directory they had.
 */
class SharedDirectoryIT {

    @Test
    void aTenantCreatedThroughOneInstanceIsRoutedByTheOtherWithinASecond() throws Exception {
        try (EmbeddedBackend meta = EmbeddedBackend.start();
             TenantCluster cluster = new TenantCluster("", "metadata_store: { url: \"" + meta.url() + "\" }\n");
             PgSteerServer second = cluster.another()) {
            try (Connection c = cluster.connect("admin", "pgsteer", null)) {
                items(c, "CREATE TENANT kappa MODE shared ON s1");
            }
            long created = System.nanoTime();
            String seen = null;
            while (seen == null && System.nanoTime() - created < 5_000_000_000L) {
                try (Connection c = connect(second, "kappa")) {
                    seen = one(c, "SHOW pgsteer.tenant");
                } catch (SQLException e) {
                    assertEquals("3D000", e.getSQLState(), e.getMessage());
                    Thread.sleep(20);
                }
            }
            long tookMs = (System.nanoTime() - created) / 1_000_000;
            System.out.println("SharedDirectoryIT: the second instance routed kappa " + tookMs + " ms after CREATE TENANT");
            assertEquals("kappa", seen);
            assertTrue(tookMs < 1000, "the second instance routed kappa after " + tookMs + " ms");

            try (Connection c = connect(second, "admin", "pgsteer")) {
                assertTrue(items(c, "SHOW TENANTS").contains("kappa"));
                List<String> store = items(c, "SHOW METADATA");
                assertTrue(store.getFirst().startsWith("postgresql://"), store.toString());
            }

            meta.close();
            String reachable = "t";
            for (int i = 0; i < 100 && reachable.equals("t"); i++) {
                Thread.sleep(50);
                try (Connection c = connect(second, "admin", "pgsteer"); var rs = c.createStatement().executeQuery("SHOW METADATA")) {
                    rs.next();
                    reachable = rs.getString("reachable");
                }
            }
            assertEquals("f", reachable, "SHOW METADATA says the store is unreachable");
            try (Connection c = connect(second, "globex")) {
                assertEquals(List.of("globex-1", "globex-2"), items(c, "SELECT item FROM orders ORDER BY id"));
            }
            try (Connection c = connect(second, "kappa")) {
                assertEquals("kappa", one(c, "SHOW pgsteer.tenant"));
            }
        }
    }

    private static Connection connect(PgSteerServer proxy, String tenant) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", TenantCluster.PASSWORD);
        props.setProperty("options", "-c pgsteer.tenant=" + tenant);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/saas", props);
    }

    private static Connection connect(PgSteerServer proxy, String user, String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/" + database,
                user, TenantCluster.PASSWORD);
    }
}
