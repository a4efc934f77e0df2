package dev.pgsteer.proxy.sharding;

import static dev.pgsteer.proxy.sharding.CoordinatorExtendedIT.SYNC;
import static dev.pgsteer.proxy.sharding.CoordinatorExtendedIT.describe;
import static dev.pgsteer.proxy.sharding.CoordinatorExtendedIT.exchange;
import static dev.pgsteer.proxy.sharding.CoordinatorExtendedIT.execute;
import static dev.pgsteer.proxy.sharding.CoordinatorExtendedIT.frame;
import static dev.pgsteer.proxy.sharding.CoordinatorExtendedIT.loggedIn;
import static dev.pgsteer.proxy.testkit.RawBytes.cstr;
import static dev.pgsteer.proxy.testkit.RawBytes.i16;
import static dev.pgsteer.proxy.testkit.RawBytes.i32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.proxy.testkit.RawWireClient;
import dev.pgsteer.proxy.testkit.ShardedCluster;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Conditions that hold the client's parameters are pushed into the coordinator step's pulls: each
 * shard runs the narrowed SELECT as an extended-protocol query with the client's parameter types and
 * values, its binary DataRows fed to the coordinator's binary COPY. Every answer equals one
 * PostgreSQL holding all rows ({@code orders_all} on s0), and the meter
 * {@code pgsteer.coordinator.pulled.rows} shows that fewer rows were pulled than s1 and s2 hold.
 *
 * <p>Exactness: {@code total = ?} with a float8 parameter 0.1 compares in float8 (PostgreSQL casts
 * the numeric column), so the row whose total is the numeric 0.10000000000000001 (0.1 once rounded to
 * float8) is kept; written into the pull as the literal 0.1 it would compare in numeric and be lost.
 */
class CoordinatorParameterPullIT {
    static final String BOUNDARY = "0.10000000000000001";
    static ShardedCluster cluster;
    static MeterRegistry registry = new SimpleMeterRegistry();
    static MeterRegistry rawRegistry = new SimpleMeterRegistry();
    static PgSteerServer trusting;

    /** A statement ({t}: orders through pgsteer, orders_all directly), how it binds, and whether its pull is narrowed. */
    record Case(String sql, Binder binder, boolean narrowed) {
    }

    interface Binder {
        void bind(PreparedStatement p) throws SQLException;
    }

    static final List<Case> CASES = List.of(
            new Case("SELECT count(DISTINCT status), count(*) FROM {t} WHERE customer_id > ?", p -> p.setLong(1, 20L), true),
            new Case("SELECT count(DISTINCT status), count(*) FROM {t} WHERE total > ?",
                    p -> p.setBigDecimal(1, new BigDecimal("80.25")), true),
            new Case("SELECT count(DISTINCT customer_id), string_agg(id::text, ',' ORDER BY id) FROM {t} WHERE total = ?",
                    p -> p.setDouble(1, 0.1), true),
            new Case("SELECT count(DISTINCT customer_id), string_agg(id::text, ',' ORDER BY id) FROM {t} WHERE total <= ? AND qty >= ?",
                    p -> {
                        p.setDouble(1, 0.1);
                        p.setInt(2, 0);
                    }, true),
            new Case("SELECT count(DISTINCT qty), string_agg(id::text, ',' ORDER BY id) FROM {t} WHERE status = ?",
                    p -> p.setString(1, "paid"), true),
            new Case("SELECT count(DISTINCT status), string_agg(id::text, ',' ORDER BY id) FROM {t} WHERE created >= ?",
                    p -> p.setTimestamp(1, Timestamp.valueOf(LocalDateTime.of(2025, 1, 15, 0, 0))), true),
            new Case("SELECT count(DISTINCT status), min(id) FROM {t} WHERE ref = ?",
                    p -> p.setObject(1, new UUID(0, 7)), true),
            new Case("SELECT count(DISTINCT qty), count(*) FROM {t} WHERE total > ? OR status IS NULL",
                    p -> p.setNull(1, Types.NUMERIC), true),
            new Case("SELECT count(DISTINCT qty), count(*) FROM {t} WHERE status = ? AND qty > ?",
                    p -> {
                        p.setNull(1, Types.VARCHAR);
                        p.setInt(2, 1);
                    }, true),
            new Case("SELECT count(DISTINCT status), string_agg(id::text, ',' ORDER BY id) FROM {t} WHERE id = ANY(?)",
                    p -> p.setArray(1, p.getConnection().createArrayOf("bigint", new Long[] {3L, 4L, 5L, 40L})), true),
            new Case("SELECT count(DISTINCT qty) AS orders FROM {t} WHERE status = ANY(ARRAY['new', 'lost'])", p -> { }, true),
            new Case("SELECT count(DISTINCT qty) FROM {t} WHERE status = ANY('{shipped}') AND id <> ALL(ARRAY[5, 10])", p -> { }, true),
            // A parameter only the select list reads (pgjdbc declares varchar): the condition's own is pushed.
            new Case("SELECT count(DISTINCT status), ? FROM {t} WHERE status <> ?",
                    p -> {
                        p.setString(1, "x");
                        p.setString(2, "lost");
                    }, true),
            new Case("SELECT id, rank() OVER (ORDER BY total NULLS FIRST, id) FROM {t} WHERE qty > ? AND day < ? ORDER BY id",
                    p -> {
                        p.setInt(1, 2);
                        p.setObject(2, LocalDate.of(2025, 1, 10));
                    }, true));

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        cluster.proxy.close();
        cluster.proxy = new PgSteerServer(cluster.config(), registry).decisionLog(cluster.decisionLog).start();
        trusting = new PgSteerServer(cluster.trustingConfig(), rawRegistry)
                .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start();
        StringBuilder rows = new StringBuilder();
        String[] statuses = {"new", "paid", "shipped", "lost", null};
        for (int id = 1; id <= 60; id++) {
            String status = statuses[id % 5];
            String total = id % 7 == 0 ? "NULL" : id % 10 == 3 ? BOUNDARY : id % 10 == 4 ? "0.1"
                    : (id * 37 % 101) + "." + (id % 3 == 0 ? "5" : "25");
            rows.append(rows.isEmpty() ? "" : ", ").append("(").append(id).append(", ").append(id % 23 + 1).append(", ")
                    .append(status == null ? "NULL" : "'" + status + "'").append(", ").append(total).append(", ")
                    .append(id % 9 == 0 ? "NULL" : Integer.toString(id % 6)).append(", ")
                    .append("'").append(LocalDate.of(2025, 1, 1).plusDays(id % 17)).append("', ")
                    .append("'2025-01-01 00:00:00+00'::timestamptz + interval '").append(id).append(" hours' * 7, ")
                    .append("'").append(new UUID(0, id % 11)).append("')");
        }
        String columns = "id bigint, customer_id bigint NOT NULL, status text, total numeric, qty int, day date,"
                + " created timestamptz, ref uuid, PRIMARY KEY (customer_id, id)";
        String insert = " (id, customer_id, status, total, qty, day, created, ref) VALUES " + rows;
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (" + columns + ")");
            s.execute("INSERT INTO orders" + insert);
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders_all (" + columns + ")");
            s.execute("INSERT INTO orders_all" + insert);
        }
        assertTrue(offCoordinator("total = " + BOUNDARY) > 0, "a boundary row lives off the coordinator");
    }

    @AfterAll
    static void stop() throws Exception {
        if (trusting != null) {
            trusting.close();
        }
        cluster.close();
    }

    static Properties mode(String threshold) {
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

    /** Rows of orders on s1 and s2 (the pull's sources; s0 is the coordinator) that meet {@code condition}. */
    static long offCoordinator(String condition) throws SQLException {
        long rows = 0;
        for (int i = 1; i < 3; i++) {
            try (Connection shard = cluster.shard(i); Statement s = shard.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM orders WHERE " + condition)) {
                rs.next();
                rows += rs.getLong(1);
            }
        }
        return rows;
    }

    static double pulledRows(MeterRegistry meters) {
        return meters.get("pgsteer.coordinator.pulled.rows").tag("database", "shop").counter().count();
    }

    static List<String> answer(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            binder.bind(p);
            try (ResultSet rs = p.executeQuery()) {
                return MultiShardSelectIT.rows(rs);
            }
        }
    }

    @ParameterizedTest(name = "prepareThreshold={0}")
    @ValueSource(strings = {"1", "-1"})
    void parameterisedConditionsArePushedAndTheAnswersArePostgresqls(String threshold) throws SQLException {
        long all = offCoordinator("true");
        try (Connection c = cluster.connect(mode(threshold));
             Connection direct = direct(mode(threshold))) {
            for (int round = 0; round < 2; round++) {
                for (Case q : CASES) {
                    List<String> expected = answer(direct, q.sql().replace("{t}", "orders_all"), q.binder());
                    double before = pulledRows(registry);
                    assertEquals(expected, answer(c, q.sql().replace("{t}", "orders"), q.binder()), round + ": " + q.sql());
                    double pulled = pulledRows(registry) - before;
                    if (q.narrowed()) {
                        assertTrue(pulled < all, q.sql() + " pulled " + pulled + " of the " + all + " rows off the coordinator");
                    }
                }
            }
        }
    }

    /** EXPLAIN ROUTE with the client's parameters shows the conditions running pushes, and pulls nothing. */
    @Test
    void explainRouteShowsTheParameterisedPull() throws SQLException {
        try (Connection c = cluster.connect(mode("1"))) {
            double before = pulledRows(registry);
            List<String> route = answer(c, "EXPLAIN ROUTE SELECT count(DISTINCT status) FROM orders o WHERE o.total > ? AND ref = ?"
                    + " AND status = ANY(ARRAY['new', 'paid'])", p -> {
                        p.setBigDecimal(1, BigDecimal.ONE);
                        p.setObject(2, new UUID(0, 1));
                    });
            String rows = "SELECT <the columns of orders the statement names> FROM orders AS o WHERE (o.total > $1) AND (ref = $2)"
                    + " AND (status = ANY(ARRAY['new', 'paid']))";
            assertEquals("s0 | creates | BEGIN; CREATE TEMP TABLE orders (<the columns of orders the statement names>) ON COMMIT DROP;"
                    + " INSERT INTO pg_temp.orders " + rows + " | ", route.get(2));
            assertEquals("s1 | pulled into s0 | " + rows + " -- Parse/Bind/Execute with $1 = the client's $1, $2 = the client's $2"
                    + " (its types and values), binary rows into the COPY FROM | ", route.get(3));
            assertEquals(before, pulledRows(registry));
        }
    }

    /** The float8 parameter pulls exactly the rows that compare equal in float8: the boundary row among them. */
    @Test
    void aFloat8ParameterAgainstANumericColumnPullsWhatFloat8Keeps() throws SQLException {
        long kept = offCoordinator("total = 0.1::float8");
        assertTrue(kept > offCoordinator("total = 0.1"), "float8 and numeric comparisons differ on these rows");
        try (Connection c = cluster.connect(mode("1"))) {
            double before = pulledRows(registry);
            answer(c, "SELECT count(DISTINCT customer_id) FROM orders WHERE total = ?", p -> p.setDouble(1, 0.1));
            assertEquals(kept, pulledRows(registry) - before);
        }
    }

    /** Inside a transaction block the pulls run on the session's own links, in its transaction: its writes are seen. */
    @Test
    void insideATransactionTheParameterisedPullSeesTheTransactionsRows() throws SQLException {
        String sql = "SELECT count(DISTINCT customer_id), string_agg(id::text, ',' ORDER BY id) FROM {t} WHERE total = ?";
        try (Connection c = cluster.connect(mode("1")); Connection direct = direct(mode("1"))) {
            c.setAutoCommit(false);
            direct.setAutoCommit(false);
            for (Connection on : List.of(c, direct)) {
                String table = on == c ? "orders" : "orders_all";
                try (Statement s = on.createStatement()) {
                    s.execute("INSERT INTO " + table + " (id, customer_id, status, total) VALUES (101, 5, 'new', " + BOUNDARY
                            + "), (102, 6, 'new', 0.2), (103, 7, 'new', " + BOUNDARY + ")");
                }
            }
            for (int round = 0; round < 2; round++) {
                List<String> expected = answer(direct, sql.replace("{t}", "orders_all"), p -> p.setDouble(1, 0.1));
                assertEquals(expected, answer(c, sql.replace("{t}", "orders"), p -> p.setDouble(1, 0.1)));
                assertTrue(expected.get(1).contains("101") && expected.get(1).contains("103"), expected.toString());
            }
            c.rollback();
            direct.rollback();
        }
    }

    // --- a raw client that leaves every parameter type to the server (Parse with no types) ---

    static byte[] parseUntyped(String sql) {
        return frame('P', cstr(""), cstr(sql), i16(0));
    }

    static byte[] parseTyped(String sql, int type) {
        return frame('P', cstr(""), cstr(sql), i16(1), i32(type));
    }

    /** Bind of the unnamed portal, text values (null: NULL), binary results. */
    static byte[] bind(String... values) {
        List<byte[]> parts = new ArrayList<>(List.of(cstr(""), cstr(""), i16(0), i16(values.length)));
        for (String value : values) {
            if (value == null) {
                parts.add(i32(-1));
            } else {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                parts.add(i32(bytes.length));
                parts.add(bytes);
            }
        }
        parts.add(i16(1));
        parts.add(i16(1));
        return frame('B', parts.toArray(byte[][]::new));
    }

    record RawCase(String sql, byte[] bind, boolean typed, boolean narrowed) {
    }

    static final List<RawCase> RAW = List.of(
            new RawCase("SELECT count(DISTINCT status), count(*) FROM {t} WHERE total > $1 AND qty < $2",
                    bind("50.25", "4"), false, true),
            new RawCase("SELECT count(DISTINCT status), count(*) FROM {t} WHERE total = $1", bind("0.1"), false, true),
            new RawCase("SELECT count(DISTINCT status), string_agg(id::text, ',' ORDER BY id) FROM {t} WHERE total = $1",
                    bind("0.1"), true, true),
            new RawCase("SELECT count(DISTINCT status), count(*) FROM {t} WHERE status = $1 OR total < $2",
                    bind(null, "30"), false, true),
            // $1 used twice, its type the server's: the statement deduces it from its first use; not pushed.
            new RawCase("SELECT count(DISTINCT status), count(*) FROM {t} WHERE total > $1 AND qty < $1", bind("3"), false, false),
            new RawCase("SELECT count(DISTINCT status), count(*) FROM {t} WHERE created < $1::timestamptz + interval '1 day'",
                    bind("2025-01-05 00:00:00+00"), false, true));

    @Test
    void unspecifiedParameterTypesAreTheServersOwnDeductionAndTheMessagesArePostgresqls() throws Exception {
        long all = offCoordinator("true");
        try (RawWireClient proxied = loggedIn(trusting.address(), EmbeddedBackend.USER, "shop");
             RawWireClient direct = loggedIn(new InetSocketAddress("127.0.0.1", cluster.shards.get(0).port()), "postgres",
                     EmbeddedBackend.DATABASE)) {
            for (RawCase q : RAW) {
                List<List<byte[]>> batches = new ArrayList<>();
                for (String table : List.of("orders_all", "orders")) {
                    String sql = q.sql().replace("{t}", table);
                    // float8 (701) where the case declares a type.
                    byte[] parse = q.typed() ? parseTyped(sql, 701) : parseUntyped(sql);
                    batches.add(List.of(parse, q.bind(), describe('P'), execute(0), SYNC));
                }
                List<String> expected = exchange(direct, batches.get(0));
                double before = pulledRows(rawRegistry);
                assertEquals(expected, exchange(proxied, batches.get(1)), q.sql());
                assertTrue(expected.stream().anyMatch(m -> m.startsWith("DataRow")), expected.toString());
                double pulled = pulledRows(rawRegistry) - before;
                assertEquals(q.narrowed(), pulled < all, q.sql() + " pulled " + pulled + " of " + all);
            }
            // An error in a pushed condition's parameter is PostgreSQL's, and the session goes on.
            List<String> error = exchange(proxied, List.of(parseUntyped("SELECT count(DISTINCT status) FROM orders WHERE total > $1"),
                    bind("not a number"), execute(0), SYNC));
            assertTrue(error.get(error.size() - 2).startsWith("Error 22P02"), error.toString());
            assertEquals("ReadyForQuery I", error.getLast());
            List<String> after = exchange(proxied, List.of(parseUntyped(RAW.getFirst().sql().replace("{t}", "orders")),
                    RAW.getFirst().bind(), execute(0), SYNC));
            assertEquals("CommandComplete", after.get(after.size() - 2).split(" ")[0], after.toString());
        }
        for (int i = 0; i < 3; i++) {
            try (Connection shard = cluster.shard(i); Statement s = shard.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_class WHERE relpersistence = 't'")) {
                rs.next();
                assertEquals(0, rs.getLong(1), "temporary tables on shard s" + i);
            }
        }
    }
}
