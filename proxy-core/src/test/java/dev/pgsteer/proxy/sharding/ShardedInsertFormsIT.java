package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Write forms of a sharded table that PostgreSQL takes and pgsteer used to refuse, each written
 * through pgsteer into {@code orders} (hashed on customer_id, its second column) and the same
 * statement directly into {@code orders_all}, one plain PostgreSQL table on s0; after each, both hold
 * the same rows, and every row of {@code orders} is found on its key's shard.
 */
class ShardedInsertFormsIT {
    static final String COLUMNS = "id bigint, customer_id bigint NOT NULL, status text DEFAULT 'new', total numeric,"
            + " PRIMARY KEY (customer_id, id)";

    static ShardedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders");
            s.execute("CREATE TABLE orders (" + COLUMNS + ")");
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders_all");
            s.execute("CREATE TABLE orders_all (" + COLUMNS + ")");
        }
    }

    static Properties simple() {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return props;
    }

    /** Runs {@code sql} ({t} the table) through pgsteer on orders and directly on orders_all; the update counts must agree. */
    static void write(Connection proxied, String sql) throws SQLException {
        int expected;
        try (Connection direct = cluster.shard(0); Statement s = direct.createStatement()) {
            expected = s.executeUpdate(sql.replace("{t}", "orders_all"));
        }
        try (Statement s = proxied.createStatement()) {
            assertEquals(expected, s.executeUpdate(sql.replace("{t}", "orders")), sql);
        }
    }

    static List<String> rows(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return MultiShardSelectIT.rows(rs);
        }
    }

    /** orders through pgsteer holds what orders_all holds, and each row is on the shard of its key. */
    static void assertSameRows() throws SQLException {
        List<String> expected;
        try (Connection direct = cluster.shard(0)) {
            expected = rows(direct, "SELECT * FROM orders_all ORDER BY customer_id, id");
        }
        try (Connection c = cluster.connect()) {
            assertEquals(expected, rows(c, "SELECT * FROM orders ORDER BY customer_id, id"));
            List<long[]> keys = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT customer_id, id FROM orders")) {
                while (rs.next()) {
                    keys.add(new long[] {rs.getLong(1), rs.getLong(2)});
                }
            }
            try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM orders WHERE customer_id = ? AND id = ?")) {
                for (long[] key : keys) {
                    p.setLong(1, key[0]);
                    p.setLong(2, key[1]);
                    try (ResultSet rs = p.executeQuery()) {
                        rs.next();
                        assertEquals(1, rs.getLong(1), "row " + key[1] + " on the shard of key " + key[0]);
                    }
                }
            }
        }
    }

    @Test
    void valuesWithoutAColumnListTakeTheTablesColumnOrder() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            write(c, "INSERT INTO {t} VALUES (1, 4, 'paid', 10.5)");
            assertSameRows();
            write(c, "INSERT INTO {t} VALUES (2, 5, 'paid', 1), (3, 6, DEFAULT, 2), (4, 7, 'lost', DEFAULT), (5, 4, NULL, 3)");
            assertSameRows();
            write(c, "INSERT INTO {t} VALUES (6, 8)");
            write(c, "insert into {t} as o values (7, 9, 'shipped')");
            assertSameRows();
        }
    }

    @Test
    void parametersOfTheExtendedProtocolRouteAsWithAColumnList() throws SQLException {
        try (Connection c = cluster.connect(); Connection direct = cluster.shard(0)) {
            for (String table : List.of("orders", "orders_all")) {
                Connection target = table.equals("orders") ? c : direct;
                try (PreparedStatement one = target.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?)");
                     PreparedStatement two = target.prepareStatement("INSERT INTO " + table + " VALUES (?, ?), (?, ?)")) {
                    // Past pgjdbc's prepareThreshold: the later executions run a server-prepared statement.
                    for (int id = 1; id <= 7; id++) {
                        one.setLong(1, id);
                        one.setLong(2, id * 3L);
                        one.setString(3, id % 2 == 0 ? "paid" : null);
                        one.setBigDecimal(4, new BigDecimal(id + ".25"));
                        assertEquals(1, one.executeUpdate());
                        two.setLong(1, 100 + id);
                        two.setLong(2, id);
                        two.setLong(3, 200 + id);
                        two.setLong(4, id + 1);
                        assertEquals(2, two.executeUpdate());
                    }
                }
            }
        }
        assertSameRows();
    }

    @Test
    void aChangeOfTheTablesColumnsThroughPgsteerIsSeenByTheNextInsert() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            write(c, "INSERT INTO {t} VALUES (1, 4, 'paid', 10.5)");
            // status moves to the end: the same names, another order.
            write(c, "ALTER TABLE {t} DROP COLUMN status");
            write(c, "ALTER TABLE {t} ADD COLUMN status text");
            write(c, "INSERT INTO {t} VALUES (2, 5, 7.5, 'late')");
            assertSameRows();
            c.setAutoCommit(false);
            write(c, "ALTER TABLE {t} ADD COLUMN note text");
            write(c, "INSERT INTO {t} VALUES (3, 6, 1, 'in a transaction', 'noted')");
            c.rollback();
            try (Connection direct = cluster.shard(0); Statement s = direct.createStatement()) {
                s.execute("ALTER TABLE orders_all DROP COLUMN note");
                s.execute("DELETE FROM orders_all WHERE id = 3");
            }
            c.setAutoCommit(true);
            SQLException e = assertThrows(SQLException.class,
                    () -> write(c, "INSERT INTO {t} VALUES (3, 6, 1, 'rolled back', 'no such column')"));
            assertEquals("42601", e.getSQLState(), e.getMessage());
            write(c, "INSERT INTO {t} VALUES (4, 7, 2, 'after the rollback')");
            assertSameRows();
        }
    }

    @Test
    void whatCannotBePlacedIsRefused() throws SQLException {
        try (Connection c = cluster.connect(simple()); Statement s = c.createStatement()) {
            for (String[] refusal : new String[][] {
                    {"INSERT INTO orders VALUES (1)", "42P10", "not its shard key customer_id (column 2)"},
                    {"INSERT INTO orders DEFAULT VALUES", "42P10", "DEFAULT VALUES"},
                    {"INSERT INTO orders VALUES (1, 2 + 3)", "0A000", "computes its shard key"},
                    {"INSERT INTO orders VALUES (1, NULL)", "23502", "is NULL"},
            }) {
                SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate(refusal[0]), refusal[0]);
                assertEquals(refusal[1], e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains(refusal[2]), e.getMessage());
            }
        }
        assertSameRows();
    }
}
