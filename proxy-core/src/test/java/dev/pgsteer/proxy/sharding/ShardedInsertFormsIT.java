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
 * through pgsteer into {@code orders} (hashed on customer_id, its second column) or {@code devices}
 * (hashed on id) and the same statement directly into {@code orders_all} or {@code devices_all}, plain
 * PostgreSQL tables on s0; after each, both hold the same rows, and every row of {@code orders} and
 * {@code devices} is found on its key's shard.
 */
class ShardedInsertFormsIT {
    static final String COLUMNS = "id bigint, customer_id bigint NOT NULL, status text DEFAULT 'new', total numeric,"
            + " PRIMARY KEY (customer_id, id)";
    static final String DEVICE_COLUMNS = "id bigint NOT NULL, customer_id bigint, label text, total numeric";

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
            s.execute("DROP TABLE IF EXISTS orders, devices, currencies");
            s.execute("CREATE TABLE currencies (code text PRIMARY KEY, rate numeric)");
            s.execute("CREATE TABLE orders (" + COLUMNS + ")");
            s.execute("CREATE TABLE devices (" + DEVICE_COLUMNS + ")");
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders_all, devices_all");
            s.execute("CREATE TABLE orders_all (" + COLUMNS + ")");
            s.execute("CREATE TABLE devices_all (" + DEVICE_COLUMNS + ")");
        }
    }

    static Properties simple() {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return props;
    }

    /**
     * Runs {@code sql} ({t} for orders, {d} for devices) through pgsteer and directly on orders_all and
     * devices_all; the update counts must agree.
     */
    static void write(Connection proxied, String sql) throws SQLException {
        int expected;
        try (Connection direct = cluster.shard(0); Statement s = direct.createStatement()) {
            expected = s.executeUpdate(sql.replace("{t}", "orders_all").replace("{d}", "devices_all"));
        }
        try (Statement s = proxied.createStatement()) {
            assertEquals(expected, s.executeUpdate(sql.replace("{t}", "orders").replace("{d}", "devices")), sql);
        }
    }

    /** Runs {@code sql} through pgsteer only ({t} for orders, {d} for devices). */
    static int writeProxied(Connection proxied, String sql) throws SQLException {
        try (Statement s = proxied.createStatement()) {
            return s.executeUpdate(sql.replace("{t}", "orders").replace("{d}", "devices"));
        }
    }

    static List<String> rows(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return MultiShardSelectIT.rows(rs);
        }
    }

    /** orders and devices through pgsteer hold what orders_all and devices_all hold, each row on the shard of its key. */
    static void assertSameRows() throws SQLException {
        assertSameRows("orders", "customer_id", "id");
        assertSameRows("devices", "id", "customer_id");
    }

    static void assertSameRows(String table, String key, String other) throws SQLException {
        List<String> expected;
        String order = " ORDER BY " + key + ", " + other + " NULLS FIRST, total NULLS FIRST";
        try (Connection direct = cluster.shard(0)) {
            expected = rows(direct, "SELECT * FROM " + table + "_all" + order);
        }
        try (Connection c = cluster.connect()) {
            assertEquals(expected, rows(c, "SELECT * FROM " + table + order), table);
            List<Long> keys = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + key + " FROM " + table)) {
                while (rs.next()) {
                    keys.add(rs.getLong(1));
                }
            }
            try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE " + key + " = ?");
                 Connection direct = cluster.shard(0);
                 PreparedStatement all = direct.prepareStatement("SELECT count(*) FROM " + table + "_all WHERE " + key + " = ?")) {
                for (long k : keys) {
                    p.setLong(1, k);
                    all.setLong(1, k);
                    try (ResultSet rs = p.executeQuery(); ResultSet ra = all.executeQuery()) {
                        rs.next();
                        ra.next();
                        assertEquals(ra.getLong(1), rs.getLong(1), table + ": the rows of key " + k + " on its shard");
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

    static void fill(Connection c) throws SQLException {
        write(c, "INSERT INTO {t} VALUES (1, 4, 'paid', 10.5), (2, 5, 'new', 1), (3, 6, NULL, 2.25), (4, 7, 'lost', NULL),"
                + " (5, 4, 'paid', 3), (6, 11, 'new', 7), (7, 12, 'paid', 8)");
    }

    @Test
    void insertSelectReadsEveryShardAndWritesEachRowOnItsKeysShard() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            fill(c);
            // devices is hashed on id: the rows move to other shards than orders keeps them on.
            write(c, "INSERT INTO {d} (id, customer_id, label, total) SELECT id * 10, customer_id, status, total FROM {t}");
            assertSameRows();
            // Without a column list: the first two columns of devices.
            write(c, "INSERT INTO {d} SELECT id + 100, customer_id FROM {t} WHERE status = 'paid'");
            // Co-located: one shard's rows, by the key.
            write(c, "INSERT INTO {t} (id, customer_id, status) SELECT id + 1000, customer_id, 'copy' FROM {t} WHERE customer_id = 4");
            // A reference table.
            // On every shard, s0's (the plain side's) included.
            writeProxied(c, "INSERT INTO currencies (code, rate) VALUES ('EUR', 1.5), ('JPY', 0.006)");
            write(c, "INSERT INTO {d} (id, label, total) SELECT 500 + length(code), code, rate FROM currencies WHERE code IN ('EUR', 'JPY')");
            // Values as the INSERT would assign them: a float8 into numeric is rounded as the cast rounds it.
            write(c, "INSERT INTO {d} (id, total) SELECT 900, 1.0000000000000002::float8");
            write(c, "INSERT INTO {d} (id, total) SELECT 901, x FROM (VALUES (NULL::numeric)) v (x) WHERE false");
            assertSameRows();
            // Reads pgsteer would merge, or only the coordinator step answers: read on the coordinator.
            write(c, "INSERT INTO {d} (id, total) SELECT customer_id + 2000, sum(total) FROM {t} GROUP BY customer_id");
            write(c, "INSERT INTO {d} (id, label) SELECT count(DISTINCT status) + 3000, string_agg(status, ',' ORDER BY id) FROM {t}");
            write(c, "INSERT INTO {t} (id, customer_id, status) SELECT id + 4000, customer_id, 'top' FROM {t} ORDER BY total DESC"
                    + " NULLS LAST, id LIMIT 2");
            write(c, "INSERT INTO {d} (id, customer_id) SELECT o.id + 5000, p.customer_id FROM {t} o JOIN {t} p ON p.id = o.id + 1");
            // Named with its schema: the coordinator reads public.orders as its copy, pg_temp.orders.
            write(c, "INSERT INTO {d} (id, label) SELECT count(DISTINCT status) + 6000, 'qualified' FROM public.{t}");
            assertSameRows();
        }
    }

    @Test
    void insertSelectInATransactionSeesItsWritesAndCommitsInTwoPhasesOrRollsBack() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            fill(c);
            c.setAutoCommit(false);
            writeProxied(c, "INSERT INTO {t} VALUES (8, 13, 'uncommitted', 1)");
            assertEquals(8, writeProxied(c, "INSERT INTO {d} (id, customer_id) SELECT id, customer_id FROM {t}"));
            c.rollback();
            assertSameRows();
            write(c, "INSERT INTO {t} VALUES (8, 13, 'committed', 1)");
            write(c, "INSERT INTO {d} (id, customer_id, label) SELECT id, customer_id, status FROM {t}");
            c.commit();
            c.setAutoCommit(true);
            assertSameRows();
        }
        for (int i = 0; i < 3; i++) {
            try (Connection shard = cluster.shard(i)) {
                assertTrue(Integer.parseInt(rows(shard, "SELECT count(*) FROM devices").get(1).split(" ")[0]) > 0, "rows on s" + i);
                assertEquals(List.of("count:int8 ", "0 | "), rows(shard, "SELECT count(*) FROM pg_prepared_xacts"), "s" + i);
            }
        }
    }

    @Test
    void insertSelectThatCannotBeExactYetIsRefused() throws SQLException {
        try (Connection c = cluster.connect(simple()); Statement s = c.createStatement()) {
            fill(c);
            for (String[] refusal : new String[][] {
                    {"INSERT INTO devices (id) SELECT id FROM orders RETURNING id", "0A000", "RETURNING"},
                    {"INSERT INTO devices (id) SELECT id FROM orders ON CONFLICT DO NOTHING", "0A000", "ON CONFLICT"},
                    {"INSERT INTO devices (id) SELECT count(DISTINCT status) FROM appdb.public.orders", "0A000", "without its schema"},
                    {"INSERT INTO devices (customer_id) SELECT customer_id FROM orders", "42P10", "shard key id"},
                    {"INSERT INTO devices (id, total) SELECT id, status FROM orders", "42804", "total"},
                    {"INSERT INTO devices (id, no_such_column) SELECT id, 5 FROM orders", "42703", "no_such_column"},
            }) {
                SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate(refusal[0]), refusal[0]);
                assertEquals(refusal[1], e.getSQLState(), refusal[0] + ": " + e.getMessage());
                assertTrue(e.getMessage().contains(refusal[2]), e.getMessage());
            }
            s.execute("CREATE RULE devices_log AS ON INSERT TO devices DO ALSO NOTHING");
            SQLException rules = assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO devices (id) SELECT id FROM orders"));
            assertEquals("0A000", rules.getSQLState(), rules.getMessage());
            assertTrue(rules.getMessage().contains("rules"), rules.getMessage());
            s.execute("DROP RULE devices_log ON devices");
        }
        assertSameRows();
    }

    @Test
    void updateAndDeleteWhoseInSubqueryReadsOtherShardsRunTheSubqueryFirst() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            fill(c);
            write(c, "INSERT INTO {d} (id, customer_id, label, total) SELECT id, customer_id, status, total FROM {t}");
            // devices is hashed on id, orders on customer_id: the subquery's rows are on other shards.
            write(c, "UPDATE {d} SET label = 'hit' WHERE id IN (SELECT id FROM {t} WHERE total > 2)");
            assertSameRows();
            // A numeric subquery against a bigint column compares as numeric, as PostgreSQL does; NULLs match nothing.
            write(c, "UPDATE {t} SET status = 'by total' WHERE status IS NOT NULL AND id IN (SELECT total FROM {d})");
            write(c, "UPDATE {t} SET total = 0 WHERE id IN (SELECT id FROM {d} WHERE false)");
            write(c, "DELETE FROM {t} WHERE customer_id IN (SELECT customer_id FROM {d} WHERE label = 'hit' AND id > 5)");
            assertSameRows();
            c.setAutoCommit(false);
            writeProxied(c, "DELETE FROM {d} WHERE customer_id IN (SELECT customer_id FROM {t})");
            c.rollback();
            c.setAutoCommit(true);
            assertSameRows();
            write(c, "DELETE FROM {d} WHERE id IN (SELECT customer_id FROM {t} WHERE status = 'paid')");
            assertSameRows();
            // A subquery pgsteer would merge or coordinate; JSQLParser's misread "x IN (SELECT ...) AND y".
            write(c, "UPDATE {d} SET label = 'max' WHERE id IN (SELECT max(id) FROM {t})");
            write(c, "UPDATE {d} SET label = 'qualified' WHERE id IN (SELECT min(id) FROM public.{t})");
            write(c, "UPDATE {d} SET label = 'joined' WHERE id IN (SELECT o.id FROM {t} o JOIN {t} p ON p.id = o.id + 1)");
            write(c, "UPDATE {d} SET total = 1 WHERE id IN (SELECT id FROM {t} WHERE total > 2) AND label IS NOT NULL");
            write(c, "DELETE FROM {t} WHERE id IN (SELECT count(DISTINCT label) FROM {d}) AND status <> 'x'");
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
