package dev.pgsteer.proxy.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.TenantCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Issue 20, what tenants of one backend database share on the server even with roles: LISTEN/NOTIFY
 * channels are per database, and pooled connections hold prepared statements of other sessions.
 * acme (own role) and beta (no role) are schema tenants of s0's appdb, in two pools; hooli (own
 * role) and globex (no role) are shared tenants of s1's appdb. Each pool has one connection.
 */
class TenantChannelsIT {
    private static TenantCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = new TenantCluster();
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    /** "channel:payload" of each notification the session got within {@code millis}. */
    private static List<String> notifications(Connection c, int millis) throws SQLException {
        List<String> seen = new ArrayList<>();
        PGNotification[] got = c.unwrap(PGConnection.class).getNotifications(millis);
        if (got != null) {
            for (PGNotification n : got) {
                seen.add(n.getName() + ":" + n.getParameter());
            }
        }
        return seen;
    }

    @Test
    void tenantsOfOneSchemaDatabaseListenOnTheSameChannelNameAndHearOnlyThemselves() throws Exception {
        twoTenantsOnOneChannel("acme_app", "beta_app");
    }

    @Test
    void sharedTenantsListenOnTheSameChannelNameAndHearOnlyThemselves() throws Exception {
        twoTenantsOnOneChannel("hooli_app", "globex_app");
    }

    private static void twoTenantsOnOneChannel(String first, String second) throws Exception {
        try (Connection a = cluster.connect(first, "saas", null); Connection b = cluster.connect(second, "saas", null);
             Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            sa.execute("LISTEN orders");
            sb.execute("LISTEN \"orders\"");
            sa.execute("NOTIFY orders, 'from-a'");
            sb.execute("SELECT pg_notify('orders', 'from-b')");
            try (PreparedStatement p = a.prepareStatement("SELECT pg_notify(?, ?)")) {
                p.setString(1, "orders");
                p.setString(2, "from-a-bound");
                p.execute();
            }
            assertEquals(List.of("orders:from-a", "orders:from-a-bound"), notifications(a, 1000));
            assertEquals(List.of("orders:from-b"), notifications(b, 1000));
            // What the tenant listens on, as the backend has it, is its own; the client knows it as "orders".
            try (ResultSet rs = sa.executeQuery("SELECT count(*) FROM pg_listening_channels() WHERE pg_listening_channels LIKE '%orders'")) {
                rs.next();
                assertEquals(1, rs.getInt(1));
            }
            sa.execute("UNLISTEN orders");
            sa.execute("NOTIFY orders, 'after-unlisten'");
            assertEquals(List.of(), notifications(a, 300));
        }
    }

    @Test
    void whatServerSideCodeListensToUnderAnotherTenantsNameNeverReachesTheClient() throws Exception {
        try (Connection acme = cluster.connect("acme_app", "saas", null); Connection beta = cluster.connect("beta_app", "saas", null);
             Statement sa = acme.createStatement(); Statement sb = beta.createStatement()) {
            sa.execute("LISTEN orders");
            // Dynamic SQL pgsteer cannot read: beta listens on the backend's name of acme's channel.
            sb.execute("DO $$BEGIN EXECUTE 'LIS' || 'TEN \"acme:orders\"'; END$$");
            sa.execute("NOTIFY orders, 'acme-secret'");
            assertEquals(List.of("orders:acme-secret"), notifications(acme, 1000));
            assertEquals(List.of(), notifications(beta, 500));
        }
    }

    @Test
    void pgNotifyThroughTheFunctionCallMessageIsRefusedWhereChannelsAreShared() throws Exception {
        // Its channel is a value pgsteer does not read: it could not be put in the tenant's namespace.
        try (Connection acme = cluster.connect("acme_app", "saas", null); Statement s = acme.createStatement()) {
            var fastpath = acme.unwrap(org.postgresql.PGConnection.class).getFastpathAPI();
            org.postgresql.fastpath.FastpathArg[] args = {new org.postgresql.fastpath.FastpathArg("orders"),
                    new org.postgresql.fastpath.FastpathArg("x")};
            SQLException e = assertThrows(SQLException.class, () -> fastpath.fastpath(3036, args));
            assertEquals("0A000", e.getSQLState(), e.getMessage());
            s.execute("SELECT 1"); // the session goes on
        }
    }

    @Test
    void aDatabaseTenantsChannelsAreItsDatabasesOwnAndKeepTheirNames() throws Exception {
        try (Connection initech = cluster.connect("initech_app", "saas", null); Statement s = initech.createStatement()) {
            s.execute("LISTEN orders");
            try (ResultSet rs = s.executeQuery("SELECT pg_listening_channels()")) {
                rs.next();
                assertEquals("orders", rs.getString(1));
            }
            s.execute("NOTIFY orders, 'x'");
            assertEquals(List.of("orders:x"), notifications(initech, 1000));
        }
    }

    @Test
    void aChannelNameThatDoesNotFitBesideTheTenantsPrefixIsRefusedWithTheLimit() throws Exception {
        try (Connection beta = cluster.connect("beta_app", "saas", null); Statement s = beta.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute("SELECT pg_notify('" + "c".repeat(60) + "', 'x')"));
            assertEquals("22023", e.getSQLState());
            s.execute("SELECT 1"); // the session goes on
        }
    }

    // --- prepared statements of another tenant's session, on the pooled connection both use ---

    @Test
    void aTenantCannotRunAnotherTenantsPreparedStatementByName() throws Exception {
        String sql = "SELECT item FROM orders ORDER BY id";
        try (Connection delta = cluster.connect("delta_app", "saas", null)) {
            delta.unwrap(PGConnection.class).setPrepareThreshold(1);
            try (PreparedStatement p = delta.prepareStatement(sql)) {
                for (int i = 0; i < 3; i++) {
                    try (ResultSet rs = p.executeQuery()) {
                        rs.next();
                        assertEquals("delta-1", rs.getString(1));
                    }
                }
            }
            // The backend name is the same for every session that prepares this SQL (a hash of it): an
            // attacker can compute it, or read it from pg_prepared_statements of a connection it shares
            // (pgsteer resets a connection that passes to another tenant, so here delta reads it).
            String name;
            try (Statement d = delta.createStatement();
                 ResultSet rs = d.executeQuery("SELECT name FROM pg_prepared_statements WHERE statement = '" + sql + "'")) {
                assertTrue(rs.next());
                name = rs.getString(1);
            }
            try (Connection beta = cluster.connect("beta_app", "saas", null); Statement s = beta.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("EXECUTE " + name));
                assertEquals("26000", e.getSQLState());
                assertEquals("ERROR: prepared statement \"" + name + "\" does not exist", e.getMessage().lines().findFirst().orElseThrow());
            }
        }
    }
}
