package dev.pgsteer.proxy.sharding;

import static dev.pgsteer.proxy.testkit.RawBytes.concat;
import static dev.pgsteer.proxy.testkit.RawBytes.cstr;
import static dev.pgsteer.proxy.testkit.RawBytes.frame;
import static dev.pgsteer.proxy.testkit.RawBytes.i16;
import static dev.pgsteer.proxy.testkit.RawBytes.i32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.proxy.testkit.RawWireClient;
import dev.pgsteer.proxy.testkit.ShardedCluster;
import dev.pgsteer.proxy.testkit.WireMessage;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PSQLException;

/**
 * The writes that need rows from several shards (INSERT ... SELECT into a sharded table, UPDATE and
 * DELETE ... WHERE col IN (SELECT ...) over other shards) in the extended protocol, as pgjdbc sends
 * them server-prepared (prepareThreshold 1, and -1 for binary transfer too), with parameters, and
 * with reading parts pgsteer merges or needs the coordinator step for. Each write runs through
 * pgsteer into {@code orders} (hashed on customer_id) or {@code devices} (hashed on id) and the same
 * statement, with the same parameters, directly into {@code orders_all} or {@code devices_all},
 * plain tables on s0: the counts, RETURNING rows and then the tables' rows must agree, every row on
 * its key's shard. Raw Parse/Describe/Bind/Execute/Sync exchanges give PostgreSQL's messages.
 */
class ShardedWritesExtendedIT {
    static final String COLUMNS = "id bigint, customer_id bigint NOT NULL, status text DEFAULT 'new', total numeric,"
            + " PRIMARY KEY (customer_id, id)";
    static final String DEVICE_COLUMNS = "id bigint NOT NULL, customer_id bigint, label text, total numeric";
    static final String FILL = "INSERT INTO {t} VALUES (1, 4, 'paid', 10.5), (2, 5, 'new', 1), (3, 6, NULL, 2.25),"
            + " (4, 7, 'lost', NULL), (5, 4, 'paid', 3), (6, 11, 'new', 7), (7, 12, 'paid', 8), (8, 13, 'new', 4.5),"
            + " (9, 14, 'lost', 6), (10, 15, 'paid', 0.5)";

    static ShardedCluster cluster;
    static PgSteerServer trusting;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        trusting = new PgSteerServer(cluster.trustingConfig())
                .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (trusting != null) {
            trusting.close();
        }
        cluster.close();
    }

    @BeforeEach
    void filledTables() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders, devices");
            s.execute("CREATE TABLE orders (" + COLUMNS + ")");
            s.execute("CREATE TABLE devices (" + DEVICE_COLUMNS + ")");
            s.executeUpdate(FILL.replace("{t}", "orders"));
            s.executeUpdate("INSERT INTO devices SELECT id, customer_id, status, total FROM orders");
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders_all, devices_all");
            s.execute("CREATE TABLE orders_all (" + COLUMNS + ")");
            s.execute("CREATE TABLE devices_all (" + DEVICE_COLUMNS + ")");
            s.executeUpdate(FILL.replace("{t}", "orders_all"));
            s.executeUpdate("INSERT INTO devices_all SELECT id, customer_id, status, total FROM orders_all");
        }
    }

    /** prepareThreshold 1: server-prepared from the first run; -1: binary transfer for every type pgjdbc can. */
    static Properties prepared(String threshold) {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", threshold);
        return props;
    }

    static Connection direct(String threshold) throws SQLException {
        Properties props = prepared(threshold);
        props.setProperty("user", EmbeddedBackend.USER);
        props.setProperty("password", EmbeddedBackend.PASSWORD);
        return DriverManager.getConnection(Pgjdbc.url(cluster.shards.get(0).port(), EmbeddedBackend.DATABASE), props);
    }

    static String on(String sql, boolean proxied) {
        return proxied ? sql.replace("{t}", "orders").replace("{d}", "devices")
                : sql.replace("{t}", "orders_all").replace("{d}", "devices_all");
    }

    static int update(Connection c, String sql, List<Object> parameters) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                p.setObject(i + 1, parameters.get(i));
            }
            return p.executeUpdate();
        }
    }

    /** The same write with the same parameters through pgsteer and on the plain tables: the same count. */
    static void write(Connection proxied, Connection direct, String sql, Object... parameters) throws SQLException {
        int expected = update(direct, on(sql, false), List.of(parameters));
        assertEquals(expected, update(proxied, on(sql, true), List.of(parameters)), sql + " " + List.of(parameters));
    }

    /** A write with RETURNING: the same rows, in any order. */
    static void returning(Connection proxied, Connection direct, String sql, Object... parameters) throws SQLException {
        List<String> expected = returned(direct, on(sql, false), parameters);
        assertEquals(expected, returned(proxied, on(sql, true), parameters), sql);
        assertTrue(expected.size() > 1, "rows returned: " + expected);
    }

    static List<String> returned(Connection c, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                p.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = p.executeQuery()) {
                List<String> rows = MultiShardSelectIT.rows(rs);
                List<String> sorted = new ArrayList<>(rows.subList(1, rows.size()));
                sorted.sort(null);
                sorted.addFirst(rows.getFirst());
                return sorted;
            }
        }
    }

    static List<String> rows(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return MultiShardSelectIT.rows(rs);
        }
    }

    /** orders and devices through pgsteer hold what orders_all and devices_all hold, each row on the shard of its key. */
    static void assertSameRows() throws SQLException {
        assertSameRows("orders", "customer_id");
        assertSameRows("devices", "id");
    }

    static void assertSameRows(String table, String key) throws SQLException {
        String order = " ORDER BY " + key + ", customer_id NULLS FIRST, id, total NULLS FIRST, 3 NULLS FIRST";
        List<String> expected;
        try (Connection direct = cluster.shard(0)) {
            expected = rows(direct, "SELECT * FROM " + table + "_all" + order);
        }
        try (Connection c = cluster.connect()) {
            assertEquals(expected, rows(c, "SELECT * FROM " + table + order), table);
        }
        // Each shard holds only rows of its own keys: a key's rows on a shard are all pgsteer finds by that key.
        int onShards = 0;
        try (Connection c = cluster.connect();
             PreparedStatement p = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE " + key + " = ?")) {
            for (int i = 0; i < 3; i++) {
                try (Connection shard = cluster.shard(i); Statement s = shard.createStatement();
                     ResultSet rs = s.executeQuery("SELECT " + key + ", count(*) FROM " + table + " GROUP BY 1")) {
                    while (rs.next()) {
                        onShards += rs.getInt(2);
                        p.setLong(1, rs.getLong(1));
                        try (ResultSet found = p.executeQuery()) {
                            found.next();
                            assertEquals(rs.getLong(2), found.getLong(1), table + ": the rows of key " + rs.getLong(1) + " on s" + i);
                        }
                    }
                }
            }
        }
        assertEquals(expected.size() - 1, onShards, table + ": rows on the shards");
    }

    @ParameterizedTest(name = "prepareThreshold {0}")
    @ValueSource(strings = {"1", "-1"})
    void insertSelectWithParametersIsWrittenAsPostgresqlWritesIt(String threshold) throws SQLException {
        try (Connection c = cluster.connect(prepared(threshold)); Connection d = direct(threshold)) {
            for (int round = 1; round <= 2; round++) {
                // Concatenated from every shard; devices is hashed on id, so the rows move.
                write(c, d, "INSERT INTO {d} (id, customer_id, label, total) SELECT id * ?, customer_id, status, total FROM {t}"
                        + " WHERE total > ?", 100L * round, new BigDecimal("2"));
                // Co-located on a parameter: one shard's rows.
                write(c, d, "INSERT INTO {t} (id, customer_id, status) SELECT id + ?, customer_id, ? FROM {t} WHERE customer_id = ?",
                        1000L * round, "copy", 4L);
                // A parameter only the SELECT's list names, left to the server's type (setObject of a String: varchar).
                write(c, d, "INSERT INTO {d} (id, label) SELECT id + ?, ? FROM {t} WHERE status = ?", 5000L * round, "label", "paid");
            }
            // A batch: several Executes before one Sync, one transaction.
            String batch = "INSERT INTO {d} (id, customer_id, label) SELECT id + ?, customer_id, ? FROM {t} WHERE status = ?";
            for (Connection target : List.of(c, d)) {
                try (PreparedStatement p = target.prepareStatement(on(batch, target == c))) {
                    for (String status : List.of("paid", "new", "lost")) {
                        p.setLong(1, 9000);
                        p.setString(2, "batch " + status);
                        p.setString(3, status);
                        p.addBatch();
                    }
                    assertEquals("[4, 3, 2]", Arrays.toString(p.executeBatch()), "the batch's counts");
                }
            }
            assertSameRows();
        }
    }

    @ParameterizedTest(name = "prepareThreshold {0}")
    @ValueSource(strings = {"1", "-1"})
    void insertSelectWhoseSelectIsMergedOrCoordinated(String threshold) throws SQLException {
        try (Connection c = cluster.connect(prepared(threshold)); Connection d = direct(threshold)) {
            for (int round = 1; round <= 2; round++) {
                long base = 10_000L * round;
                // Aggregates over several shards, GROUP BY: the merge's rows, read on the coordinator.
                write(c, d, "INSERT INTO {d} (id, customer_id, total) SELECT ? + count(*), customer_id, sum(total) FROM {t}"
                        + " WHERE total > ? GROUP BY customer_id", base, new BigDecimal("1"));
                // count(DISTINCT): only the coordinator step answers it.
                write(c, d, "INSERT INTO {d} (id, label, total) SELECT ? + count(DISTINCT status), max(status), sum(total) FROM {t}",
                        base + 100);
                // ORDER BY and LIMIT with a parameter.
                write(c, d, "INSERT INTO {t} (id, customer_id, status) SELECT id + ?, customer_id, 'top' FROM {t} ORDER BY total DESC"
                        + " NULLS LAST, id LIMIT ?", base, 3);
                // A join not on the key.
                write(c, d, "INSERT INTO {d} (id, customer_id, label) SELECT o.id + ?, p.customer_id, o.status FROM {t} o"
                        + " JOIN {t} p ON p.id = o.id + 1 WHERE o.id < 20", base + 500);
            }
            assertSameRows();
        }
    }

    @ParameterizedTest(name = "prepareThreshold {0}")
    @ValueSource(strings = {"1", "-1"})
    void updateAndDeleteByTheKeysOfASubqueryWithParameters(String threshold) throws SQLException {
        try (Connection c = cluster.connect(prepared(threshold)); Connection d = direct(threshold)) {
            // A parameter in SET and one in the subquery, which the write on the shards no longer names.
            write(c, d, "UPDATE {d} SET label = ? WHERE id IN (SELECT id FROM {t} WHERE total > ?)", "hit", new BigDecimal("2"));
            // JSQLParser's misread "x IN (SELECT ...) AND y", read as PostgreSQL reads it.
            write(c, d, "UPDATE {d} SET total = total + ? WHERE id IN (SELECT id FROM {t} WHERE status = ?) AND total < ?",
                    new BigDecimal("1"), "paid", new BigDecimal("9"));
            // The subquery is one pgsteer merges (an aggregate) or coordinates (a join not on the key).
            write(c, d, "UPDATE {t} SET status = ? WHERE id IN (SELECT max(id) - ? FROM {d})", "max", 1L);
            write(c, d, "UPDATE {d} SET label = ? WHERE id IN (SELECT o.id FROM {t} o JOIN {t} p ON p.id = o.id + 1"
                    + " WHERE p.total > ?)", "joined", new BigDecimal("3"));
            write(c, d, "UPDATE {t} SET total = ? WHERE id IN (SELECT id FROM {d} WHERE false)", new BigDecimal("0"));
            assertSameRows();
            returning(c, d, "DELETE FROM {d} WHERE customer_id IN (SELECT customer_id FROM {t} WHERE status = ?) RETURNING id, label",
                    "new");
            write(c, d, "DELETE FROM {t} WHERE id IN (SELECT count(DISTINCT label) + ? FROM {d})", 0L);
            assertSameRows();
        }
    }

    @ParameterizedTest(name = "prepareThreshold {0}")
    @ValueSource(strings = {"1", "-1"})
    void inATransactionRollBackThenCommitInTwoPhases(String threshold) throws Exception {
        try (Connection c = cluster.connect(prepared(threshold)); Connection d = direct(threshold)) {
            c.setAutoCommit(false);
            update(c, on("INSERT INTO {t} VALUES (?, ?, 'uncommitted', 1)", true), List.of(20L, 16L));
            // The reads see the transaction's own row; then nothing of it stays.
            assertEquals(11, update(c, on("INSERT INTO {d} (id, customer_id) SELECT id + ?, customer_id FROM {t}", true),
                    List.of(100L)));
            assertEquals(1, update(c, on("UPDATE {d} SET label = ? WHERE id IN (SELECT count(DISTINCT status) FROM {t})", true),
                    List.of("x")));
            c.rollback();
            assertSameRows();
            // A read that fails on the coordinator fails the transaction, as PostgreSQL's statement would: 25P02 until ROLLBACK.
            update(c, on("INSERT INTO {t} VALUES (?, ?, 'doomed', 1)", true), List.of(21L, 17L));
            SQLException failed = assertThrows(SQLException.class, () -> update(c, on("INSERT INTO {d} (id, total)"
                    + " SELECT id, total / (count(*) OVER () - ?) FROM {t}", true), List.of(11L)));
            assertEquals("22012", failed.getSQLState(), failed.getMessage());
            SQLException aborted = assertThrows(SQLException.class, () -> update(c, on("UPDATE {d} SET label = 'x' WHERE id = ?",
                    true), List.of(1L)));
            assertEquals("25P02", aborted.getSQLState(), aborted.getMessage());
            c.rollback();
            assertSameRows();
            long before = decisions();
            d.setAutoCommit(false);
            write(c, d, "INSERT INTO {t} VALUES (?, ?, 'committed', 1)", 20L, 16L);
            write(c, d, "INSERT INTO {d} (id, customer_id, label) SELECT id + ?, customer_id, status FROM {t}", 100L);
            write(c, d, "INSERT INTO {d} (id, total) SELECT ?, sum(total) FROM {t}", 300L);
            write(c, d, "DELETE FROM {t} WHERE id IN (SELECT id - ? FROM {d} WHERE label = ?)", 100L, "lost");
            c.commit();
            d.commit();
            assertEquals(before + 1, decisions(), "the commit took two phases");
        }
        assertSameRows();
        for (int i = 0; i < 3; i++) {
            try (Connection shard = cluster.shard(i)) {
                assertEquals(List.of("count:int8 ", "0 | "), rows(shard, "SELECT count(*) FROM pg_prepared_xacts"), "s" + i);
                assertEquals(List.of("count:int8 ", "0 | "), rows(shard, "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"),
                        "no temporary table left on s" + i);
            }
        }
    }

    /** Outside a transaction block, each write is pgsteer's own transaction: committed in two phases when it spans shards. */
    @ParameterizedTest(name = "prepareThreshold {0}")
    @ValueSource(strings = {"1", "-1"})
    void outsideATransactionEachWriteCommitsOnItsOwn(String threshold) throws Exception {
        try (Connection c = cluster.connect(prepared(threshold)); Connection d = direct(threshold)) {
            long before = decisions();
            write(c, d, "INSERT INTO {d} (id, customer_id) SELECT id + ?, customer_id FROM {t} ORDER BY id LIMIT ?", 700L, 5);
            assertTrue(decisions() > before, "two phases");
            // An error in the read leaves nothing written, and the session goes on.
            SQLException e = assertThrows(SQLException.class, () -> update(c, on("INSERT INTO {d} (id, total)"
                    + " SELECT id, total / (count(*) OVER () - ?) FROM {t}", true), List.of(10L)));
            assertEquals("22012", e.getSQLState(), e.getMessage());
            SQLException keys = assertThrows(SQLException.class, () -> update(c, on("UPDATE {d} SET label = 'x'"
                    + " WHERE id IN (SELECT id / (count(*) OVER () - ?) FROM {t})", true), List.of(10L)));
            assertEquals("22012", keys.getSQLState(), keys.getMessage());
            write(c, d, "UPDATE {d} SET label = ? WHERE id IN (SELECT id + ? FROM {t} ORDER BY id DESC LIMIT 2)", "last", 700L);
        }
        assertSameRows();
    }

    @Test
    void whatStaysRefusedIsRefusedInTheExtendedProtocolToo() throws SQLException {
        try (Connection c = cluster.connect(prepared("1"))) {
            for (String[] refusal : new String[][] {
                    {"INSERT INTO devices (id) SELECT id FROM orders WHERE total > ? RETURNING id", "0A000", "RETURNING"},
                    {"UPDATE devices SET label = 'x' WHERE id NOT IN (SELECT id FROM orders WHERE total > ?)", "0A000", "not joined"},
                    {"UPDATE devices SET label = 'x' WHERE id IN (SELECT id FROM orders WHERE total > ?) OR total = 1", "0A000",
                            "not joined"},
                    {"INSERT INTO devices (id, total) SELECT id, status FROM orders WHERE total > ?", "42804", "total"},
            }) {
                SQLException e = assertThrows(SQLException.class, () -> update(c, refusal[0], List.of(new BigDecimal("1"))),
                        refusal[0]);
                assertEquals(refusal[1], e.getSQLState(), refusal[0] + ": " + e.getMessage());
                assertTrue(e.getMessage().contains(refusal[2]), e.getMessage());
            }
        }
        assertSameRows();
    }

    /**
     * PostgreSQL's own error for the statement, its position counted in the client's statement (pgsteer
     * has PostgreSQL analyse it as {@code EXPLAIN <statement>}), in both protocols; the session goes on.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"simple", "1"})
    void anErrorOfTheStatementIsPostgresqlsAtItsPosition(String mode) throws SQLException {
        Properties props = mode.equals("simple") ? new Properties() : prepared(mode);
        if (mode.equals("simple")) {
            props.setProperty("preferQueryMode", "simple");
        }
        for (String sql : List.of("INSERT INTO {d} (id, label) SELECT id, no_such_column FROM {t} WHERE total > ?",
                "UPDATE {d} SET label = no_such_column WHERE id IN (SELECT id FROM {t} WHERE total > ?)")) {
            try (Connection c = cluster.connect(props)) {
                String proxied = on(sql, true);
                PSQLException e = assertThrows(PSQLException.class, () -> update(c, proxied, List.of(new BigDecimal("1"))), sql);
                assertEquals("42703", e.getSQLState(), e.getMessage());
                assertEquals("column \"no_such_column\" does not exist", e.getServerErrorMessage().getMessage());
                // pgjdbc's simple mode writes the value into the text, after the column: the position is the same.
                assertEquals(proxied.indexOf("no_such_column") + 1, e.getServerErrorMessage().getPosition(), proxied);
                assertEquals(1, update(c, on("UPDATE {d} SET label = ? WHERE id = 1", true), List.of("after")));
            }
        }
    }

    static long decisions() throws IOException {
        return Files.readAllLines(cluster.decisionLog).stream().filter(line -> line.startsWith("COMMIT ")).count();
    }

    // --- raw wire: node-postgres' way (the unnamed statement, types left to the server) ---

    static byte[] frame(char type, byte[]... parts) {
        byte[] body = concat(parts);
        return concat(new byte[] {(byte) type}, i32(body.length + 4), body);
    }

    static byte[] parse(String sql, int parameters) {
        byte[][] types = new byte[parameters][];
        for (int i = 0; i < parameters; i++) {
            types[i] = i32(0);
        }
        return frame('P', cstr(""), cstr(sql), i16(parameters), concat(types));
    }

    /** Bind of the unnamed portal, every value as text, every result column as text. */
    static byte[] bind(String... values) {
        byte[][] parts = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            byte[] value = values[i].getBytes(StandardCharsets.UTF_8);
            parts[i] = concat(i32(value.length), value);
        }
        return frame('B', cstr(""), cstr(""), i16(0), i16(values.length), concat(parts), i16(0));
    }

    static final byte[] SYNC = frame('S');

    static List<List<byte[]>> batches(boolean proxied) {
        String insert = on("INSERT INTO {d} (id, customer_id, label) SELECT id + $1, customer_id, status FROM {t} WHERE total > $2",
                proxied);
        String coordinated = on("INSERT INTO {d} (id, total) SELECT $1 + count(DISTINCT status), sum(total) FROM {t}", proxied);
        String update = on("UPDATE {d} SET label = $1 WHERE id IN (SELECT id FROM {t} WHERE total > $2)", proxied);
        String deleteReturning = on("DELETE FROM {d} WHERE id IN (SELECT max(id) FROM {t}) RETURNING id + 0 AS id, label || '' AS label", proxied);
        return List.of(
                List.of(parse(insert, 2), frame('D', new byte[] {'S'}, cstr("")), SYNC),
                List.of(parse(insert, 2), bind("100", "2"), frame('D', new byte[] {'P'}, cstr("")), frame('E', cstr(""), i32(0)), SYNC),
                List.of(parse(coordinated, 1), bind("900"), frame('D', new byte[] {'P'}, cstr("")), frame('E', cstr(""), i32(0)), SYNC),
                List.of(parse(update, 2), frame('D', new byte[] {'S'}, cstr("")), SYNC),
                List.of(parse(update, 2), bind("raw", "3"), frame('D', new byte[] {'P'}, cstr("")), frame('E', cstr(""), i32(1)), SYNC),
                List.of(parse(update, 2), bind("again", "5"), frame('E', cstr(""), i32(0)), SYNC),
                List.of(parse(deleteReturning, 0), bind(), frame('D', new byte[] {'P'}, cstr("")), frame('E', cstr(""), i32(0)), SYNC),
                // Two writes before one Sync: one transaction, as in PostgreSQL.
                List.of(parse(insert, 2), bind("2000", "0"), frame('E', cstr(""), i32(0)), parse(update, 2), bind("batch", "1"),
                        frame('E', cstr(""), i32(0)), SYNC));
    }

    /** Each message up to ReadyForQuery: errors by SQLSTATE and text, every other message by its bytes. */
    static List<String> exchange(RawWireClient client, List<byte[]> batch) throws IOException {
        client.send(concat(batch.toArray(byte[][]::new)));
        List<String> seen = new ArrayList<>();
        WireMessage message;
        do {
            message = client.read();
            seen.add(switch (message.type()) {
                case 'E', 'N', 'Z' -> message.summary();
                default -> message.summary().split(" ")[0] + " " + HexFormat.of().formatHex(message.body());
            });
        } while (message.type() != 'Z');
        return seen;
    }

    static RawWireClient loggedIn(InetSocketAddress address, String user, String database) throws IOException {
        RawWireClient client = new RawWireClient(address);
        client.sendStartup(3 << 16, new LinkedHashMap<>(Map.of("user", user, "database", database)));
        client.readUntil('Z');
        return client;
    }

    @Test
    void theMessageSequenceIsPostgresqlsOwn() throws IOException, SQLException {
        try (RawWireClient proxied = loggedIn(trusting.address(), EmbeddedBackend.USER, "shop");
             RawWireClient direct = loggedIn(new InetSocketAddress("127.0.0.1", cluster.shards.get(0).port()), "postgres",
                     EmbeddedBackend.DATABASE)) {
            List<List<byte[]>> expectedBatches = batches(false);
            List<List<byte[]>> actualBatches = batches(true);
            for (int i = 0; i < expectedBatches.size(); i++) {
                List<String> expected = exchange(direct, expectedBatches.get(i));
                assertEquals(expected, exchange(proxied, actualBatches.get(i)), "batch " + i);
                assertTrue(expected.size() > 2, "batch " + i + " answers more than its end: " + expected);
            }
        }
        assertSameRows();
    }

    /**
     * A client that sends its copy data without waiting for the server's CopyInResponse, as PostgreSQL
     * allows (it reads the stream in order): the data reaches the COPY, split over the shards or on
     * the one shard of an unsharded table, and nothing is left over for the next statement.
     */
    @Test
    void copyDataSentBeforeTheServerAsksForItGoesToTheCopy() throws Exception {
        try (RawWireClient client = loggedIn(trusting.address(), EmbeddedBackend.USER, "shop")) {
            client.readTimeout(30_000);
            for (String table : List.of("orders", "orders_all")) {
                // In one write: pgsteer reads the data with the Query, before any shard has asked for it.
                client.send(concat(frame('Q', cstr("COPY " + table + " (id, customer_id, status) FROM STDIN")),
                        frame('d', "100\t41\tpiped\n".getBytes(StandardCharsets.UTF_8)),
                        frame('d', "101\t42\tpiped\n".getBytes(StandardCharsets.UTF_8)), frame('c')));
                List<String> answers = client.readUntilReady();
                assertEquals(List.of("CommandComplete COPY 2", "ReadyForQuery I"), answers.subList(answers.size() - 2, answers.size()),
                        table + ": " + answers);
                assertTrue(answers.stream().noneMatch(a -> a.startsWith("Error")), table + ": " + answers);
                client.sendQuery("SELECT count(*) FROM " + table + " WHERE status = 'piped'");
                assertEquals(List.of("RowDescription", "DataRow [2]", "CommandComplete SELECT 1", "ReadyForQuery I"),
                        client.readUntilReady(), table);
            }
        }
    }
}
