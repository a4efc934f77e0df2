package dev.pgsteer.proxy.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.HeldBuffers;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each way of naming a tenant, in each mode, against real PostgreSQL: a tenant's session sees its own rows only. */
class TenancyIT {
    private static TenantCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = new TenantCluster();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    static List<String> items(Connection c, String sql) throws SQLException {
        List<String> items = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                items.add(rs.getString(1));
            }
        }
        return items;
    }

    static String one(Connection c, String sql) throws SQLException {
        List<String> items = items(c, sql);
        assertEquals(1, items.size(), sql);
        return items.getFirst();
    }

    static String sqlState(Connection c, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
        }, sql);
        return e.getSQLState();
    }

    @ParameterizedTest
    @ValueSource(strings = {"acme", "beta", "globex", "umbrella", "hooli", "initech"})
    void theStartupOptionNamesTheTenantInEveryMode(String tenant) throws Exception {
        try (Connection c = cluster.connect(tenant)) {
            assertEquals(List.of(tenant + "-1", tenant + "-2").subList(0, tenant.equals("initech") ? 1 : 2),
                    items(c, "SELECT item FROM orders ORDER BY id"));
            assertEquals(tenant, one(c, "SHOW pgsteer.tenant"));
        }
    }

    @Test
    void setChoosesTheTenantAndResetGoesBackToTheStartupOne() throws Exception {
        try (Connection c = cluster.connect("acme"); Statement s = c.createStatement()) {
            s.execute("SET pgsteer.tenant = 'globex'");
            assertEquals("globex", one(c, "SHOW pgsteer.tenant"));
            assertEquals(List.of("globex-1", "globex-2"), items(c, "SELECT item FROM orders ORDER BY id"));
            s.execute("SET pgsteer.tenant TO initech");
            assertEquals(List.of("initech-1"), items(c, "SELECT item FROM orders"));
            s.execute("RESET pgsteer.tenant");
            assertEquals("acme", one(c, "SHOW pgsteer.tenant"));
            assertEquals(List.of("acme-1", "acme-2"), items(c, "SELECT item FROM orders ORDER BY id"));
        }
    }

    @Test
    void aCommentNamesTheTenantOfOneStatement() throws Exception {
        try (Connection c = cluster.connect("acme")) {
            assertEquals(List.of("beta-1", "beta-2"), items(c, "/* tenant=beta */ SELECT item FROM orders ORDER BY id"));
            assertEquals(List.of("umbrella-1", "umbrella-2"), items(c, "/* tenant=umbrella */ SELECT item FROM orders ORDER BY id"));
            assertEquals(List.of("acme-1", "acme-2"), items(c, "SELECT item FROM orders ORDER BY id"));
        }
    }

    @Test
    void aPreparedStatementUnderACommentKeepsItsTenantOnceServerPrepared() throws Exception {
        try (Connection c = cluster.connect("acme");
             PreparedStatement p = c.prepareStatement("/* tenant=globex */ SELECT item FROM orders WHERE id = ?")) {
            p.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(1);
            for (int i = 0; i < 8; i++) {
                p.setInt(1, 1 + i % 2);
                try (ResultSet rs = p.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals("globex-" + (1 + i % 2), rs.getString(1));
                }
            }
            assertEquals("acme-1", one(c, "SELECT item FROM orders WHERE id = 1"));
        }
    }

    @Test
    void theDatabaseNameMayBeTheTenant() throws Exception {
        try (Connection c = cluster.connect("app", "globex", null)) {
            assertEquals(List.of("globex-1", "globex-2"), items(c, "SELECT item FROM orders ORDER BY id"));
        }
    }

    @Test
    void aPinnedUserServesItsTenantAndCannotChooseAnother() throws Exception {
        try (Connection c = cluster.connect("acme_app", "saas", null)) {
            assertEquals(List.of("acme-1", "acme-2"), items(c, "SELECT item FROM orders ORDER BY id"));
            assertEquals("42501", sqlState(c, "SET pgsteer.tenant = 'beta'"));
            assertEquals("42501", sqlState(c, "/* tenant=beta */ SELECT item FROM orders"));
            assertEquals(List.of("acme-1", "acme-2"), items(c, "/* tenant=acme */ SELECT item FROM orders ORDER BY id"));
        }
        SQLException refused = assertThrows(SQLException.class, () -> cluster.connect("acme_app", "saas", "beta").close());
        assertEquals("42501", refused.getSQLState());
    }

    @Test
    void anUnknownTenantIsNamedInTheError() throws Exception {
        try (Connection c = cluster.connect("acme")) {
            SQLException e = assertThrows(SQLException.class, () -> c.createStatement().execute("SET pgsteer.tenant = 'nosuch'"));
            assertEquals("3D000", e.getSQLState());
            assertTrue(e.getMessage().contains("tenant \"nosuch\" does not exist"), e.getMessage());
            assertEquals("3D000", sqlState(c, "/* tenant=nosuch */ SELECT 1"));
            assertEquals("acme", one(c, "SHOW pgsteer.tenant"));
        }
        SQLException e = assertThrows(SQLException.class, () -> cluster.connect("nosuch").close());
        assertEquals("3D000", e.getSQLState());
    }

    @Test
    void withoutATenantOnlyWhatNeedsNoneRuns() throws Exception {
        try (Connection c = cluster.connect(null)) {
            assertTrue(one(c, "SELECT version()").startsWith("PostgreSQL"));
            SQLException e = assertThrows(SQLException.class, () -> c.createStatement().executeQuery("SELECT item FROM orders"));
            assertEquals("28000", e.getSQLState());
            assertTrue(e.getMessage().contains("SET pgsteer.tenant"), e.getMessage());
            assertEquals("", one(c, "SHOW pgsteer.tenant"));
        }
    }

    @Test
    void switchingTenantInsideATransactionIsRefused() throws Exception {
        try (Connection c = cluster.connect("acme")) {
            c.setAutoCommit(false);
            assertEquals(2, items(c, "SELECT item FROM orders").size());
            assertEquals("25001", sqlState(c, "/* tenant=globex */ SELECT item FROM orders"));
            c.rollback();
            assertEquals("25001", switchInTransaction(c));
            c.rollback();
            c.setAutoCommit(true);
            assertEquals(List.of("globex-1", "globex-2"), items(c, "/* tenant=globex */ SELECT item FROM orders ORDER BY id"));
        }
    }

    private static String switchInTransaction(Connection c) throws SQLException {
        items(c, "SELECT 1");
        return sqlState(c, "SET pgsteer.tenant = 'beta'");
    }

    @Test
    void aTenantWithARoleLogsInAsThatRole() throws Exception {
        try (Connection c = cluster.connect("acme")) {
            assertEquals("acme", one(c, "SELECT current_user"));
            assertEquals("\"acme\", \"public\"", one(c, "SHOW search_path"));
        }
        try (Connection c = cluster.connect("beta")) {
            assertEquals("app", one(c, "SELECT current_user"));
        }
        try (Connection c = cluster.connect("hooli")) {
            assertEquals("hooli", one(c, "SELECT current_user"));
            assertEquals(List.of("hooli-1", "hooli-2"), items(c, "SELECT item FROM orders ORDER BY id"));
        }
    }

    @Test
    void sharedTenantsWriteTheirOwnRows() throws Exception {
        try (Connection c = cluster.connect("umbrella"); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO orders (id, item) VALUES (10, 'umbrella-10')");
            assertEquals("umbrella", one(c, "SELECT tenant_id FROM orders WHERE id = 10"));
            assertEquals("42501", sqlState(c, "INSERT INTO orders (tenant_id, id, item) VALUES ('globex', 11, 'x')"));
            s.executeUpdate("DELETE FROM orders WHERE id = 10");
        }
        try (Connection c = cluster.connect("globex")) {
            assertEquals(List.of(), items(c, "SELECT item FROM orders WHERE id >= 10"));
        }
    }

    @Test
    void consecutiveSessionsOnOnePooledConnectionNeverSeeTheOthersSettings() throws Exception {
        String[] order = {"globex", "umbrella", "globex", "beta", "acme", "beta", "umbrella"};
        for (String tenant : order) {
            try (Connection c = cluster.connect(tenant)) {
                List<String> rows = items(c, "SELECT item FROM orders");
                assertTrue(rows.stream().allMatch(r -> r.startsWith(tenant + "-")), tenant + " saw " + rows);
            }
        }
        try (Connection c = cluster.connect(null)) {
            assertEquals("", one(c, "SELECT current_setting('app.tenant_id', true)"));
        }
    }

    @Test
    void aLargeValueCrossesATenantsSessionInPiecesBothWays() throws Exception {
        byte[] value = new byte[48 << 20];
        new java.util.SplittableRandom(7).nextBytes(value);
        long held = HeldBuffers.mostHeldWhile(() -> {
            try (Connection c = cluster.connect("acme");
                 PreparedStatement echo = c.prepareStatement("SELECT octet_length(v), v FROM (SELECT ?::bytea AS v) AS given")) {
                echo.setBytes(1, value);
                try (ResultSet rs = echo.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(value.length, rs.getInt(1));
                    assertTrue(java.util.Arrays.equals(value, rs.getBytes(2)), "the value came back intact");
                }
            }
        });
        // Whole, the Bind (48 MiB) and the DataRow (96 MiB of hex) would each take more than they are.
        assertTrue(held < 16 << 20, "the gate passed the Bind and the row on in pieces; pgsteer's buffers grew by " + (held >> 20) + " MiB");
    }
}
