package dev.pgsteer.proxy.sharding;

import static dev.pgsteer.proxy.testkit.RawBytes.concat;
import static dev.pgsteer.proxy.testkit.RawBytes.cstr;
import static dev.pgsteer.proxy.testkit.RawBytes.i16;
import static dev.pgsteer.proxy.testkit.RawBytes.i32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The coordinator step in the extended query protocol: pgjdbc's server-prepared statements (with
 * binary results when forced), with parameters in WHERE, in LIMIT and where only the coordinator's
 * statement reads them, answer exactly as one PostgreSQL holding all the rows ({@code orders_all} on
 * s0, the coordinator's own server); so does the message sequence of a raw Parse/Bind/Describe/Execute/
 * Sync, down to the bytes of RowDescription and binary DataRows. A row limit is answered with
 * PostgreSQL's own PortalSuspended, and continuing that portal (after a Flush, as pg-cursor does) is
 * PostgreSQL's too: the coordinator's transaction is kept until the Sync.
 */
class CoordinatorExtendedIT {
    static ShardedCluster cluster;
    /** The same shards behind a proxy that asks no password, for the raw-wire client. */
    static PgSteerServer trusting;

    /** Statements that need the coordinator, with their parameters ({t}: orders through pgsteer, orders_all directly). */
    record Case(String sql, List<Object> parameters) {
    }

    static final List<Case> CASES = List.of(
            new Case("SELECT count(DISTINCT status) FROM {t} WHERE qty > ?", List.of(1)),
            new Case("SELECT count(DISTINCT status), count(*) FROM {t} WHERE customer_id IN (?, ?)", List.of(1L, 2L)),
            new Case("SELECT id, rank() OVER (ORDER BY total NULLS FIRST, id) FROM {t} WHERE qty > ? ORDER BY id LIMIT ?",
                    List.of(0, 7)),
            new Case("SELECT customer_id, id, sum(total) OVER (PARTITION BY customer_id ORDER BY id) FROM {t}"
                    + " WHERE day >= ? ORDER BY customer_id, id", List.of(LocalDate.of(2025, 1, 9))),
            new Case("SELECT status, string_agg(id::text, ? ORDER BY id) FROM {t} GROUP BY status ORDER BY status NULLS FIRST",
                    List.of(";")),
            new Case("SELECT id FROM {t} WHERE customer_id < ? UNION SELECT id FROM {t} WHERE qty = ? ORDER BY id", List.of(5L, 3)),
            new Case("SELECT id, total FROM {t} WHERE total > (SELECT avg(total) FROM {t}) + ? ORDER BY id",
                    List.of(new BigDecimal("10.5"))),
            new Case("SELECT avg(total)::numeric(10,2), stddev(total), percentile_cont(?) WITHIN GROUP (ORDER BY total) FROM {t}",
                    List.of(0.5)),
            new Case("SELECT day, count(DISTINCT customer_id) FROM {t} GROUP BY day HAVING count(*) > ? ORDER BY day",
                    List.of(3L)));

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        trusting = new PgSteerServer(cluster.trustingConfig())
                .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start();
        StringBuilder rows = new StringBuilder();
        String[] statuses = {"new", "paid", "shipped", "lost", null};
        for (int id = 1; id <= 60; id++) {
            String status = statuses[id % 5];
            rows.append(rows.isEmpty() ? "" : ", ").append("(").append(id).append(", ").append(id % 23 + 1).append(", ")
                    .append(status == null ? "NULL" : "'" + status + "'").append(", ")
                    .append(id % 7 == 0 ? "NULL" : (id * 37 % 101) + "." + (id % 3 == 0 ? "5" : "25")).append(", ")
                    .append(id % 9 == 0 ? "NULL" : Integer.toString(id % 6)).append(", ")
                    .append("'").append(LocalDate.of(2025, 1, 1).plusDays(id % 17)).append("')");
        }
        String columns = "id bigint, customer_id bigint NOT NULL, status text, total numeric, qty int, day date,"
                + " PRIMARY KEY (customer_id, id)";
        try (Connection c = cluster.connect(); var s = c.createStatement()) {
            s.execute("CREATE TABLE orders (" + columns + ")");
            s.execute("INSERT INTO orders (id, customer_id, status, total, qty, day) VALUES " + rows);
        }
        try (Connection c = cluster.shard(0); var s = c.createStatement()) {
            s.execute("CREATE TABLE orders_all (" + columns + ")");
            s.execute("INSERT INTO orders_all (id, customer_id, status, total, qty, day) VALUES " + rows);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (trusting != null) {
            trusting.close();
        }
        cluster.close();
    }

    // --- pgjdbc ---

    /** prepareThreshold 1: server-prepared from the first run; -1: also binary results for every type pgjdbc reads so. */
    static Properties prepared(String threshold) {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", threshold);
        return props;
    }

    static Connection direct(Properties mode) throws SQLException {
        Properties props = new Properties();
        props.putAll(mode);
        props.setProperty("user", EmbeddedBackend.USER);
        props.setProperty("password", EmbeddedBackend.PASSWORD);
        return DriverManager.getConnection(Pgjdbc.url(cluster.shards.get(0).port(), EmbeddedBackend.DATABASE), props);
    }

    static List<String> answer(Connection c, String sql, List<Object> parameters, int maxRows) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                p.setObject(i + 1, parameters.get(i));
            }
            p.setMaxRows(maxRows);
            try (ResultSet rs = p.executeQuery()) {
                return MultiShardSelectIT.rows(rs);
            }
        }
    }

    @ParameterizedTest(name = "prepareThreshold={0}")
    @ValueSource(strings = {"1", "-1"})
    void preparedStatementsAnswerAsOnePostgresqlRunAfterRun(String threshold) throws SQLException {
        try (Connection c = cluster.connect(prepared(threshold)); Connection direct = direct(prepared(threshold))) {
            for (int round = 0; round < 4; round++) {
                for (Case q : CASES) {
                    assertEquals(answer(direct, q.sql().replace("{t}", "orders_all"), q.parameters(), 0),
                            answer(c, q.sql().replace("{t}", "orders"), q.parameters(), 0), round + ": " + q.sql());
                }
            }
        }
    }

    /** pgjdbc's setMaxRows is a row limit on Execute: the coordinator answers it with PostgreSQL's PortalSuspended. */
    @ParameterizedTest(name = "prepareThreshold={0}")
    @ValueSource(strings = {"1", "-1"})
    void aRowLimitIsAnsweredAsPostgresqlDoes(String threshold) throws SQLException {
        String sql = "SELECT id, rank() OVER (ORDER BY total NULLS FIRST, id) FROM {t} WHERE qty > ? ORDER BY id";
        try (Connection c = cluster.connect(prepared(threshold)); Connection direct = direct(prepared(threshold))) {
            for (int round = 0; round < 3; round++) {
                List<String> expected = answer(direct, sql.replace("{t}", "orders_all"), List.of(1), 4);
                assertEquals(5, expected.size(), "a header and four rows");
                assertEquals(expected, answer(c, sql.replace("{t}", "orders"), List.of(1), 4));
            }
        }
    }

    @Test
    void anErrorOnTheCoordinatorIsPostgresqlsAndTheSessionGoesOn() throws SQLException {
        try (Connection c = cluster.connect(prepared("1"))) {
            for (int round = 0; round < 3; round++) {
                SQLException zero = assertThrows(SQLException.class,
                        () -> answer(c, "SELECT count(DISTINCT status) / ? FROM orders", List.of(0), 0));
                assertEquals("22012", zero.getSQLState(), zero.getMessage());
                SQLException column = assertThrows(SQLException.class,
                        () -> answer(c, "SELECT count(DISTINCT no_such_column) FROM orders WHERE qty > ?", List.of(1), 0));
                assertEquals("42703", column.getSQLState(), column.getMessage());
                assertEquals(List.of("?column?:int8 ", "2 | "),
                        answer(c, "SELECT count(DISTINCT status) / ? FROM orders", List.of(2), 0));
                assertEquals(List.of("count:int8 ", "60 | "), answer(c, "SELECT count(*) FROM orders", List.of(), 0));
            }
        }
        for (int i = 0; i < 3; i++) {
            try (Connection shard = cluster.shard(i)) {
                assertEquals(List.of("count:int8 ", "0 | "), answer(shard,
                        "SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND relname = 'orders'", List.of(), 0), "shard s" + i);
            }
        }
    }

    // --- the raw protocol, compared message by message with PostgreSQL's ---

    /** Only expressions: their RowDescription names no table, so its bytes are the same from orders and orders_all. */
    static final String RAW = "SELECT coalesce(status, '-') AS status, count(DISTINCT qty) AS qtys, sum(total) AS total,"
            + " string_agg(id::text, $1 ORDER BY id) AS ids FROM {t} WHERE qty > $2 GROUP BY 1 ORDER BY 1";

    static byte[] parse(String sql) {
        // Parameter types: text, int4.
        return frame('P', cstr(""), cstr(sql), i16(2), i32(25), i32(23));
    }

    /** Bind of the unnamed portal: $1 and $2 as text, every result column in binary. */
    static byte[] bind(String separator, String minimum) {
        byte[] first = separator.getBytes(StandardCharsets.UTF_8);
        byte[] second = minimum.getBytes(StandardCharsets.UTF_8);
        return frame('B', cstr(""), cstr(""), i16(0), i16(2), i32(first.length), first, i32(second.length), second,
                i16(1), i16(1));
    }

    static byte[] describe(char kind) {
        return frame('D', new byte[] {(byte) kind}, cstr(""));
    }

    static byte[] execute(int maxRows) {
        return frame('E', cstr(""), i32(maxRows));
    }

    static final byte[] SYNC = frame('S');

    static byte[] frame(char type, byte[]... parts) {
        byte[] body = concat(parts);
        return concat(new byte[] {(byte) type}, i32(body.length + 4), body);
    }

    /** The batches of frames the raw test sends, each ending in Sync, with {t} in their SQL. */
    static List<List<byte[]>> batches(String table) {
        String sql = RAW.replace("{t}", table);
        return List.of(
                // pgjdbc's describe-first: parameter types and result columns before any row exists.
                List.of(parse(sql), describe('S'), SYNC),
                List.of(parse(sql), bind(",", "0"), describe('P'), execute(0), SYNC),
                List.of(parse(sql), bind("/", "2"), execute(0), SYNC),
                List.of(parse(sql), bind(",", "0"), describe('P'), execute(2), SYNC),
                List.of(parse("SELECT count(DISTINCT status) / $2 FROM " + table + " WHERE $1 <> ''"), bind("x", "0"),
                        describe('P'), execute(0), SYNC),
                List.of(parse(sql), bind(";", "1"), describe('P'), execute(0), SYNC));
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
    void theMessageSequenceIsPostgresqlsOwn() throws IOException {
        try (RawWireClient proxied = loggedIn(trusting.address(), EmbeddedBackend.USER, "shop");
             RawWireClient direct = loggedIn(new InetSocketAddress("127.0.0.1", cluster.shards.get(0).port()), "postgres",
                     EmbeddedBackend.DATABASE)) {
            List<List<byte[]>> expectedBatches = batches("orders_all");
            List<List<byte[]>> actualBatches = batches("orders");
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < expectedBatches.size(); i++) {
                    List<String> expected = exchange(direct, expectedBatches.get(i));
                    assertEquals(expected, exchange(proxied, actualBatches.get(i)), "batch " + i);
                    assertEquals(true, expected.size() > 2, "batch " + i + " answers more than its end: " + expected);
                }
            }
        }
    }

    /**
     * A portal suspended by a row limit on the coordinator, outside a transaction block, goes on after a
     * Flush as PostgreSQL's does (the coordinator's transaction is kept until the Sync): message by
     * message the same as PostgreSQL, and the session goes on. (It was refused with 0A000 before.)
     */
    @Test
    void continuingAPortalSuspendedOnTheCoordinatorAfterAFlushIsPostgresqls() throws IOException {
        try (RawWireClient proxied = loggedIn(trusting.address(), EmbeddedBackend.USER, "shop");
             RawWireClient direct = loggedIn(new InetSocketAddress("127.0.0.1", cluster.shards.get(0).port()), "postgres",
                     EmbeddedBackend.DATABASE)) {
            for (int round = 0; round < 2; round++) {
                assertEquals(suspendedThenContinued(direct, "orders_all"), suspendedThenContinued(proxied, "orders"), "round " + round);
            }
        }
    }

    /**
     * As node-postgres' pg-cursor reads: Parse, Bind, Describe of the portal, Execute(2) and Flush, up to
     * PortalSuspended; Execute(2) and Flush until the portal's end; Close of the portal and Sync. Then
     * Execute(2) and Sync, and the statement again whole.
     */
    static List<String> suspendedThenContinued(RawWireClient client, String table) throws IOException {
        String sql = RAW.replace("{t}", table);
        List<String> seen = new ArrayList<>();
        seen.addAll(untilSuspendedOrDone(client, concat(parse(sql), bind(",", "0"), describe('P'), execute(2), frame('H'))));
        for (int i = 0; i < 3; i++) {
            seen.addAll(untilSuspendedOrDone(client, concat(execute(2), frame('H'))));
        }
        seen.addAll(exchange(client, List.of(frame('C', new byte[] {'P'}, cstr("")), SYNC)));
        seen.addAll(untilSuspendedOrDone(client, concat(parse(sql), bind(",", "0"), execute(2), frame('H'))));
        seen.addAll(exchange(client, List.of(execute(2), SYNC)));
        seen.addAll(exchange(client, List.of(parse(sql), bind(",", "0"), execute(0), SYNC)));
        return seen;
    }

    /** Sends {@code frames} (ending in a Flush) and reads up to PortalSuspended, CommandComplete or an error. */
    static List<String> untilSuspendedOrDone(RawWireClient client, byte[] frames) throws IOException {
        client.send(frames);
        List<String> seen = new ArrayList<>();
        WireMessage message;
        do {
            message = client.read();
            seen.add(message.type() == 'E' ? message.summary()
                    : message.summary().split(" ")[0] + " " + HexFormat.of().formatHex(message.body()));
        } while (message.type() != 's' && message.type() != 'C' && message.type() != 'E');
        return seen;
    }
}
