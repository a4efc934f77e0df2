package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * UPDATE ... FROM and DELETE ... USING of a sharded table whose other tables' rows are on other
 * shards (issue 22, point 4): each written through pgsteer into {@code orders} (hashed on
 * customer_id), {@code devices} (hashed on id) or {@code items} (hashed on customer_id, with more
 * types), and the same statement directly into plain tables on s0 ({@code orders_all}, ...); after
 * each, both hold the same rows, every row on its key's shard, and RETURNING gave the same rows.
 */
class JoinedWriteIT {
    static final String ORDERS = "id bigint, customer_id bigint NOT NULL, status text, total numeric";
    static final String DEVICES = "id bigint NOT NULL, customer_id bigint, label text, total numeric";
    static final String ITEMS = "customer_id bigint NOT NULL, id bigint, f float8, c char(5), ts timestamptz, tags text[], j jsonb,"
            + " note text";

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
    void fill() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders, devices, items, currencies, notes");
            s.execute("CREATE TABLE currencies (code text PRIMARY KEY, rate numeric)");
            s.execute("CREATE TABLE orders (" + ORDERS + ")");
            s.execute("CREATE TABLE devices (" + DEVICES + ")");
            s.execute("CREATE TABLE items (" + ITEMS + ")");
            s.execute("INSERT INTO currencies VALUES ('paid', 2), ('new', 0.5), ('lost', NULL)");
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders_all, devices_all, items_all, notes");
            s.execute("CREATE TABLE orders_all (" + ORDERS + ")");
            s.execute("CREATE TABLE devices_all (" + DEVICES + ")");
            s.execute("CREATE TABLE items_all (" + ITEMS + ")");
            // Unsharded: it lives on the default shard, s0, for both sides.
            s.execute("CREATE TABLE notes (id bigint, note text)");
            s.execute("INSERT INTO notes VALUES (1, 'one'), (3, 'it''s three'), (3, 'it''s three'), (6, NULL), (NULL, 'none')");
        }
        try (Connection c = cluster.connect(simple())) {
            write(c, "INSERT INTO {o} VALUES (1, 4, 'paid', 10.5), (2, 5, 'new', 1), (3, 6, NULL, 2.25), (4, 7, 'lost', NULL),"
                    + " (5, 4, 'paid', 3), (6, 11, 'new', 7), (7, 12, 'paid', 8), (NULL, 13, 'new', 9)");
            // Hashed on id: a device's row is on another shard than the order of the same id.
            write(c, "INSERT INTO {d} VALUES (1, 4, 'a', 100), (2, 5, 'b', 200), (3, 6, NULL, NULL), (5, 4, 'c', 500),"
                    + " (6, 11, 'd', 600), (7, 12, 'e', 700), (7, 99, 'e', 700), (9, 13, 'f', 900)");
            write(c, "INSERT INTO {i} VALUES (4, 1, 0.1, 'ab', '2025-03-01 10:00+01', '{x,NULL}', '{\"k\": [1, 2]}', 'plain'),"
                    + " (5, 2, NULL, NULL, NULL, NULL, NULL, NULL), (6, 3, 1e-300, 'abcde', '1999-12-31 23:59:59.999999+00',"
                    + " '{}', 'null', E'back\\\\slash ''quote''')");
        }
        assertSameRows();
    }

    static Properties simple() {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return props;
    }

    static String on(String sql, boolean plain) {
        String suffix = plain ? "_all" : "";
        return sql.replace("{o}", "orders" + suffix).replace("{d}", "devices" + suffix).replace("{i}", "items" + suffix);
    }

    /** Runs {@code sql} through pgsteer and directly on the plain tables; the update counts must agree. */
    static void write(Connection proxied, String sql) throws SQLException {
        int expected;
        try (Connection direct = cluster.shard(0); Statement s = direct.createStatement()) {
            expected = s.executeUpdate(on(sql, true));
        }
        try (Statement s = proxied.createStatement()) {
            assertEquals(expected, s.executeUpdate(on(sql, false)), sql);
        }
    }

    /** Runs a write with RETURNING on both sides: the same rows, in any order (PostgreSQL gives no order). */
    static void returning(Connection proxied, String sql) throws SQLException {
        List<String> expected;
        try (Connection direct = cluster.shard(0)) {
            expected = sorted(rows(direct, on(sql, true)));
        }
        assertEquals(expected, sorted(rows(proxied, on(sql, false))), sql);
    }

    /** A prepared statement with these values on both sides: the same count, or the same RETURNING rows in any order. */
    static void prepared(Connection proxied, String sql, Object... values) throws SQLException {
        List<List<String>> answers = new ArrayList<>();
        try (Connection direct = cluster.shard(0)) {
            for (Connection side : List.of(direct, proxied)) {
                try (PreparedStatement p = side.prepareStatement(on(sql, side == direct))) {
                    for (int i = 0; i < values.length; i++) {
                        p.setObject(i + 1, values[i]);
                    }
                    if (p.execute()) {
                        try (ResultSet rs = p.getResultSet()) {
                            answers.add(sorted(MultiShardSelectIT.rows(rs)));
                        }
                    } else {
                        answers.add(List.of("count " + p.getUpdateCount()));
                    }
                }
            }
        }
        assertEquals(answers.get(0), answers.get(1), sql);
    }

    static List<String> sorted(List<String> rows) {
        List<String> sorted = new ArrayList<>(rows.subList(1, rows.size()));
        sorted.sort(null);
        sorted.addFirst(rows.getFirst());
        return sorted;
    }

    static List<String> rows(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return MultiShardSelectIT.rows(rs);
        }
    }

    static void assertSameRows() throws SQLException {
        assertSameRows("orders", "customer_id", "id, total");
        assertSameRows("devices", "id", "customer_id, total");
        assertSameRows("items", "customer_id", "id");
    }

    /** The table through pgsteer holds what its plain twin holds, and each key's rows are on the key's shard. */
    static void assertSameRows(String table, String key, String then) throws SQLException {
        String order = " ORDER BY " + key + ", " + then + " NULLS FIRST";
        List<String> expected;
        try (Connection direct = cluster.shard(0)) {
            expected = rows(direct, "SELECT * FROM " + table + "_all" + order);
        }
        try (Connection c = cluster.connect(simple())) {
            assertEquals(expected, rows(c, "SELECT * FROM " + table + order), table);
            try (Connection direct = cluster.shard(0);
                 PreparedStatement p = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE " + key + " = ?");
                 PreparedStatement all = direct.prepareStatement("SELECT count(*) FROM " + table + "_all WHERE " + key + " = ?");
                 Statement s = direct.createStatement();
                 ResultSet keys = s.executeQuery("SELECT DISTINCT " + key + " FROM " + table + "_all")) {
                while (keys.next()) {
                    long k = keys.getLong(1);
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

    static void assertNothingLeft() throws SQLException {
        for (int i = 0; i < 3; i++) {
            try (Connection shard = cluster.shard(i)) {
                assertEquals(List.of("count:int8 ", "0 | "), rows(shard, "SELECT count(*) FROM pg_prepared_xacts"), "s" + i);
                assertEquals(List.of("count:int8 ", "0 | "), rows(shard, "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"),
                        "no temporary table on s" + i);
            }
        }
    }

    @Test
    void updateFromATableShardedOnAnotherKey() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            write(c, "UPDATE {o} o SET total = d.total + o.total, status = d.label FROM {d} d WHERE d.id = o.id");
            assertSameRows();
            // The other way round, with a condition on the target's own row (pushed into its locked pull).
            write(c, "UPDATE {d} SET label = o.status || '!' FROM {o} AS o WHERE o.id = {d}.customer_id AND {d}.id > 2");
            assertSameRows();
            // Named with their schema: the coordinator reads its copies (pg_temp), the shards their tables.
            write(c, "UPDATE public.{o} o SET total = d.total FROM public.{d} d WHERE d.id = o.id AND d.total > 3");
            assertSameRows();
            // No row matches.
            write(c, "UPDATE {o} o SET total = 0 FROM {d} d WHERE d.id = o.id AND d.label = 'nothing'");
            assertSameRows();
        }
        assertNothingLeft();
    }

    @Test
    void aReferenceTableJoinedWithAShardedOneAndAnUnshardedTable() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            write(c, "UPDATE {d} d SET total = d.total * r.rate FROM {o} o, currencies r WHERE o.id = d.id AND r.code = o.status");
            assertSameRows();
            write(c, "UPDATE {o} o SET status = n.note FROM notes n WHERE n.id = o.id");
            assertSameRows();
            write(c, "UPDATE {d} d SET label = 'joined' FROM {o} o JOIN currencies r ON r.code = o.status WHERE o.customer_id = d.customer_id");
            assertSameRows();
        }
    }

    @Test
    void deleteUsingOtherShardsRows() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            write(c, "DELETE FROM {o} o USING {d} d WHERE d.customer_id = o.id AND d.label IS NOT NULL");
            assertSameRows();
            write(c, "DELETE FROM {d} USING {o}, currencies r WHERE {o}.id = {d}.id AND r.code = {o}.status AND r.rate > 1");
            assertSameRows();
            write(c, "DELETE FROM {o} USING {d} WHERE false");
            assertSameRows();
        }
    }

    @Test
    void returningGivesTheTargetsRowsAsWritten() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            returning(c, "UPDATE {o} o SET total = d.total FROM {d} d WHERE d.id = o.id RETURNING o.id, o.customer_id, o.total * 2 AS twice");
            assertSameRows();
            returning(c, "UPDATE {o} o SET status = 'x' FROM {d} d WHERE d.label = 'nothing' RETURNING o.*");
            returning(c, "DELETE FROM {d} d USING {o} o WHERE o.id = d.id AND o.status = 'x' RETURNING d.*, upper(d.label)");
            assertSameRows();
            SQLException fromColumn = assertThrows(SQLException.class, () -> rows(c,
                    "UPDATE orders o SET total = 1 FROM devices d WHERE d.id = o.id RETURNING d.label"));
            assertEquals("0A000", fromColumn.getSQLState(), fromColumn.getMessage());
            SQLException bare = assertThrows(SQLException.class, () -> rows(c,
                    "UPDATE orders o SET total = 1 FROM devices d WHERE d.id = o.id RETURNING label"));
            assertEquals("0A000", bare.getSQLState(), bare.getMessage());
            assertTrue(bare.getMessage().contains("label"), bare.getMessage());
            assertSameRows();
        }
        assertNothingLeft();
    }

    @Test
    void severalMatchingRowsWriteEachTargetRowOnce() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            // Devices 7 come twice (customer 12 and 99), with the same total: one write of order 7, the same value.
            write(c, "UPDATE {o} o SET total = d.total FROM {d} d WHERE d.id = o.id AND d.id = 7");
            // Notes 3 come twice: the count is the target rows', as PostgreSQL counts them.
            write(c, "UPDATE {o} o SET status = n.note FROM notes n WHERE n.id = o.id");
            write(c, "DELETE FROM {d} d USING notes n WHERE n.id = d.id");
            assertSameRows();
            // Different values: PostgreSQL takes either; so does pgsteer, once.
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO devices VALUES (2, 77, 'other', 201)");
                assertEquals(1, s.executeUpdate("UPDATE orders o SET total = d.total FROM devices d WHERE d.id = o.id AND o.id = 2"));
                List<String> written = rows(c, "SELECT total FROM orders WHERE id = 2");
                assertTrue(written.equals(List.of("total:numeric ", "200 | ")) || written.equals(List.of("total:numeric ", "201 | ")),
                        written.toString());
            }
        }
    }

    @Test
    void valuesKeepTheirTypesExactlyAndNullsStayNulls() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            // Every column of items from itself through devices (on other shards), shifted by one row.
            write(c, "UPDATE {i} i SET f = src.f * 3, c = src.c, ts = src.ts + interval '1 microsecond', tags = src.tags || d.label,"
                    + " j = src.j, note = src.note || d.label FROM {d} d, {i} src WHERE d.id = i.id AND src.id = d.id + 1");
            assertSameRows();
            write(c, "UPDATE {i} i SET f = 1.0 / 3, c = d.label, note = NULL, tags[2] = 'second' FROM {d} d WHERE d.customer_id = i.customer_id");
            assertSameRows();
            // NULL keys join nothing.
            write(c, "UPDATE {o} o SET total = -1 FROM {d} d WHERE d.customer_id = o.id OR (d.label IS NULL AND o.id IS NULL)");
            assertSameRows();
        }
    }

    @Test
    void aSubqueryInSetReadsEveryShardOrIsRefused() throws SQLException {
        try (Connection c = cluster.connect(simple()); Statement s = c.createStatement()) {
            // Ran on s1 alone before, with the max of s1's devices: a wrong answer.
            write(c, "UPDATE {o} o SET total = (SELECT max(d.total) FROM {d} d) FROM currencies r WHERE r.code = o.status");
            assertSameRows();
            SQLException refused = assertThrows(SQLException.class,
                    () -> s.executeUpdate("UPDATE orders SET total = (SELECT max(total) FROM devices) WHERE customer_id = 4"));
            assertEquals("0A000", refused.getSQLState(), refused.getMessage());
        }
        assertSameRows();
    }

    @Test
    void aPartitionedTargetIsWrittenByTableoidAndCtid() throws SQLException {
        // On each shard, items in two partitions: the first row of each has ctid (0,1).
        for (int i = 0; i < 3; i++) {
            try (Connection shard = cluster.shard(i); Statement s = shard.createStatement()) {
                for (String table : i == 0 ? List.of("items", "items_all") : List.of("items")) {
                    s.execute("DROP TABLE " + table);
                    s.execute("CREATE TABLE " + table + " (" + ITEMS + ") PARTITION BY RANGE (id)");
                    s.execute("CREATE TABLE " + table + "_low PARTITION OF " + table + " FOR VALUES FROM (MINVALUE) TO (5)");
                    s.execute("CREATE TABLE " + table + "_high PARTITION OF " + table + " FOR VALUES FROM (5) TO (MAXVALUE)");
                }
            }
        }
        try (Connection c = cluster.connect(simple())) {
            write(c, "INSERT INTO {i} (customer_id, id, note) VALUES (4, 1, 'low'), (4, 10, 'high'), (5, 2, 'low'), (5, 20, 'high')");
            write(c, "UPDATE {i} i SET note = d.label FROM {d} d WHERE d.id = i.id AND i.id = 1");
            assertSameRows();
            returning(c, "DELETE FROM {i} i USING {d} d WHERE d.customer_id = i.customer_id AND d.id = 2 RETURNING i.id, i.note");
            assertSameRows();
        }
    }

    @Test
    void inATransactionItSeesItsWritesAndRollsBackOrCommitsInTwoPhases() throws SQLException {
        try (Connection c = cluster.connect(simple()); Connection direct = cluster.shard(0)) {
            c.setAutoCommit(false);
            direct.setAutoCommit(false);
            for (Connection side : List.of(c, direct)) {
                boolean plain = side == direct;
                try (Statement s = side.createStatement()) {
                    s.executeUpdate(on("INSERT INTO {d} VALUES (8, 20, 'uncommitted', 1)", plain));
                    s.executeUpdate(on("INSERT INTO {o} VALUES (8, 21, 'uncommitted', 2)", plain));
                    assertEquals(7, s.executeUpdate(on("UPDATE {o} o SET total = o.total + d.total FROM {d} d WHERE d.id = o.id", plain)));
                }
            }
            assertEquals(rows(direct, "SELECT * FROM orders_all ORDER BY customer_id, id"),
                    rows(c, "SELECT * FROM orders ORDER BY customer_id, id"));
            c.rollback();
            direct.rollback();
            assertSameRows();
            for (Connection side : List.of(c, direct)) {
                boolean plain = side == direct;
                try (Statement s = side.createStatement()) {
                    s.executeUpdate(on("INSERT INTO {d} VALUES (8, 20, 'committed', 1)", plain));
                    s.executeUpdate(on("UPDATE {o} o SET status = d.label FROM {d} d WHERE d.id = o.id", plain));
                    s.executeUpdate(on("DELETE FROM {d} d USING {o} o WHERE o.id = d.id AND o.status = 'e'", plain));
                }
            }
            c.commit();
            direct.commit();
            c.setAutoCommit(true);
            direct.setAutoCommit(true);
        }
        assertSameRows();
        assertNothingLeft();
    }

    @Test
    void theExtendedProtocolAsPgjdbcSendsEveryStatementWithItsParameters() throws SQLException {
        for (String threshold : List.of("5", "1")) {
            // Each round from the same rows: a target row joined with rows of different values may take either.
            fill();
            Properties props = new Properties();
            props.setProperty("prepareThreshold", threshold);
            try (Connection c = cluster.connect(props)) {
                write(c, "UPDATE {o} o SET total = d.total + 1, status = d.label FROM {d} d WHERE d.id = o.id");
                returning(c, "UPDATE {d} d SET label = o.status FROM {o} o WHERE o.id = d.customer_id RETURNING d.id, d.label");
                returning(c, "DELETE FROM {d} d USING {o} o WHERE o.id = d.id AND o.total > 600 RETURNING d.*");
                assertSameRows();
                // The client's parameters: in the SET, in the conditions (pushed into the pulls), in RETURNING.
                prepared(c, "UPDATE {o} o SET total = ? FROM {d} d WHERE d.id = o.id AND d.label = ?", new BigDecimal("0.1"), "b");
                prepared(c, "UPDATE {d} d SET total = d.total * ? FROM {o} o WHERE o.id = d.id AND o.total > ?", 1.5, 2);
                prepared(c, "UPDATE {o} o SET status = ? FROM {d} d WHERE d.customer_id = o.id RETURNING o.id, ? || o.status AS tagged",
                        "by customer", "tag ");
                prepared(c, "DELETE FROM {d} d USING {o} o WHERE o.id = d.id AND o.status = ? RETURNING d.id", "by customer");
                assertSameRows();
            }
        }
        assertNothingLeft();
    }

    @Test
    void anErrorFailsTheStatementAndTheSessionGoesOn() throws SQLException {
        try (Connection c = cluster.connect(simple()); Statement s = c.createStatement()) {
            SQLException zero = assertThrows(SQLException.class,
                    () -> s.executeUpdate("UPDATE orders o SET total = 1 / (d.total - d.total) FROM devices d WHERE d.id = o.id"));
            assertEquals("22012", zero.getSQLState(), zero.getMessage());
            SQLException missing = assertThrows(SQLException.class,
                    () -> s.executeUpdate("UPDATE orders o SET total = d.no_such FROM devices d WHERE d.id = o.id"));
            assertEquals("42703", missing.getSQLState(), missing.getMessage());
            c.setAutoCommit(false);
            assertThrows(SQLException.class,
                    () -> s.executeUpdate("UPDATE orders o SET total = 1 / (d.total - d.total) FROM devices d WHERE d.id = o.id"));
            SQLException aborted = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
            assertEquals("25P02", aborted.getSQLState(), aborted.getMessage());
            c.rollback();
            c.setAutoCommit(true);
            write(c, "UPDATE {o} o SET total = 5 FROM {d} d WHERE d.id = o.id");
        }
        assertSameRows();
        assertNothingLeft();
    }

    @Test
    void aConcurrentWriterWaitsForTheTransactionAsWithPostgresql() throws Exception {
        // Its target rows are locked when they are read: a writer of one of them waits until the commit.
        try (Connection c = cluster.connect(simple()); Connection other = cluster.connect(simple())) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                assertEquals(6, s.executeUpdate("UPDATE orders o SET total = d.total FROM devices d WHERE d.id = o.id"));
            }
            CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(() -> {
                try (Statement s = other.createStatement()) {
                    return s.executeUpdate("UPDATE orders SET total = total + 1 WHERE customer_id = 4 AND id = 1");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(1000);
            assertFalse(blocked.isDone(), "the other writer waits for the row's lock");
            c.commit();
            assertEquals(1, blocked.get(10, TimeUnit.SECONDS));
            assertEquals(List.of("total:numeric ", "101 | "), rows(other, "SELECT total FROM orders WHERE customer_id = 4 AND id = 1"));
        }
        // And the other way round: the write waits for a writer that holds a target row, then reads its new value.
        try (Connection c = cluster.connect(simple()); Connection other = cluster.connect(simple())) {
            other.setAutoCommit(false);
            try (Statement s = other.createStatement()) {
                assertEquals(1, s.executeUpdate("UPDATE orders SET total = 1000 WHERE customer_id = 5 AND id = 2"));
            }
            CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("UPDATE orders o SET total = o.total + d.total FROM devices d WHERE d.id = o.id");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(1000);
            assertFalse(waiting.isDone(), "the write waits for the row's lock");
            other.commit();
            assertEquals(6, waiting.get(10, TimeUnit.SECONDS));
            assertEquals(List.of("total:numeric ", "1200 | "), rows(c, "SELECT total FROM orders WHERE customer_id = 5 AND id = 2"));
        }
        assertNothingLeft();
    }
}
