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
import dev.pgsteer.proxy.testkit.ClientTool;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.RawWireClient;
import dev.pgsteer.proxy.testkit.ShardedCluster;
import dev.pgsteer.proxy.testkit.ToolRun;
import dev.pgsteer.proxy.testkit.WireMessage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Results of multi-shard SELECTs that outlive one Execute or one statement, as drivers read big
 * reports: a portal suspended by a row limit inside a transaction block (pgjdbc's fetch size) goes on
 * on the coordinator that ran it, and SQL cursors (DECLARE, FETCH, MOVE, CLOSE) over several shards
 * live on the coordinator; over one shard, on that shard. Every answer is compared with one
 * PostgreSQL holding all the rows ({@code orders_all} on s0) running the same statements; after every
 * case no temporary table is left on any shard and no backend connection stays leased.
 */
class CoordinatorCursorIT {
    static ShardedCluster cluster;
    static final MeterRegistry registry = new SimpleMeterRegistry();
    /** A customer whose orders are on shard s0, s1, s2. */
    static final long[] CUSTOMER_ON = new long[3];

    /** Coordinated statements of about 20 rows: count(DISTINCT) per group, a window function. */
    static final List<String> REPORTS = List.of(
            "SELECT customer_id, count(DISTINCT status), count(*), sum(total) FROM {t} GROUP BY customer_id ORDER BY customer_id",
            "SELECT id, customer_id, rank() OVER (PARTITION BY status ORDER BY total NULLS FIRST, id) FROM {t} WHERE id <= 22 ORDER BY id");

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        cluster.proxy.close();
        // Trusting: the raw-wire client speaks no SCRAM (pgjdbc logs in all the same).
        cluster.proxy = new PgSteerServer(cluster.trustingConfig(), registry).decisionLog(cluster.decisionLog).start();
        StringBuilder rows = new StringBuilder();
        String[] statuses = {"new", "paid", "shipped", "lost", null};
        for (int id = 1; id <= 60; id++) {
            String status = statuses[id % 5];
            rows.append(rows.isEmpty() ? "" : ", ").append("(").append(id).append(", ").append(id % 19 + 1).append(", ")
                    .append(status == null ? "NULL" : "'" + status + "'").append(", ")
                    .append(id % 7 == 0 ? "NULL" : (id * 37 % 101) + ".25").append(", ").append(id % 6).append(")");
        }
        String orders = "(id bigint, customer_id bigint NOT NULL, status text, total numeric, qty int, PRIMARY KEY (customer_id, id))";
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders " + orders);
            s.execute("INSERT INTO orders (id, customer_id, status, total, qty) VALUES " + rows);
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders_all " + orders);
            s.execute("INSERT INTO orders_all (id, customer_id, status, total, qty) VALUES " + rows);
        }
        for (int i = 0; i < 3; i++) {
            try (Connection c = cluster.shard(i); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT min(customer_id) FROM orders")) {
                rs.next();
                CUSTOMER_ON[i] = rs.getLong(1);
                assertTrue(CUSTOMER_ON[i] > 0, "shard s" + i + " holds orders");
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    /** After every case: no temporary table on any shard, no prepared transaction, no connection leased. */
    @AfterEach
    void nothingLeft() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (Connection shard = cluster.shard(i)) {
                CoordinatorTransactionIT.waitFor(shard, "SELECT count(*) = 0 FROM pg_class WHERE relpersistence = 't'",
                        "temporary tables left on s" + i);
                // A coordinator's temporary tables are not visible to others while its transaction is open: that must end too.
                CoordinatorTransactionIT.waitFor(shard, IN_TRANSACTION.replace("count(*)", "count(*) = 0"),
                        "transactions left open on s" + i);
                assertEquals(List.of("count:int8 ", "0 | "), CoordinatorIT.answer(shard, "SELECT count(*) FROM pg_prepared_xacts"));
            }
        }
        assertEquals(0, leasedWithin(5), "backend connections still leased");
    }

    /** Connections leased from the pools, once they settle (they go back just after an answer): 0 within {@code seconds}. */
    static double leasedWithin(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        double leased;
        do {
            leased = leased();
            if (leased > 0) {
                Thread.sleep(20);
            }
        } while (leased > 0 && System.nanoTime() < deadline);
        return leased;
    }

    static double leased() {
        double leased = 0;
        for (String shard : List.of("s0", "s1", "s2")) {
            leased += registry.get("pgsteer.pool.active").tag("backend", shard).gauge().value();
        }
        return leased;
    }

    static long commitLines() throws IOException {
        return Files.readAllLines(cluster.decisionLog).stream().filter(line -> line.startsWith("COMMIT ")).count();
    }

    static Properties mode(String prepareThreshold) {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", prepareThreshold);
        return props;
    }

    /** The query read with a fetch size of 3: pgjdbc sends Execute with a row limit of 3 and continues the portal. */
    static List<String> fetched(Connection c, String sql, int fetchSize) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setFetchSize(fetchSize);
            try (ResultSet rs = p.executeQuery()) {
                return MultiShardSelectIT.rows(rs);
            }
        }
    }

    static void write(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static String t(String sql, String table) {
        return sql.replace("{t}", table);
    }

    // --- pgjdbc's fetch size: a portal suspended on the coordinator, continued across Syncs ---

    @ParameterizedTest(name = "prepareThreshold {0}")
    @ValueSource(strings = {"5", "1", "-1"})
    void pgjdbcReadsACoordinatedReportThreeRowsAtATimeThenWritesAndCommitsInTwoPhases(String threshold) throws Exception {
        long commits = commitLines();
        try (Connection steer = cluster.connect(mode(threshold)); Connection ref = cluster.shard(0)) {
            steer.setAutoCommit(false);
            ref.setAutoCommit(false);
            for (String report : REPORTS) {
                List<String> expected = fetched(ref, t(report, "orders_all"), 3);
                assertTrue(expected.size() > 12, "the report has more than four fetches of rows: " + expected.size());
                assertEquals(expected, fetched(steer, t(report, "orders"), 3), report);
            }
            // Two reports read side by side: two portals, each on its own coordinator.
            try (PreparedStatement a = steer.prepareStatement(t(REPORTS.get(0), "orders"));
                 PreparedStatement b = steer.prepareStatement(t(REPORTS.get(1), "orders"))) {
                a.setFetchSize(3);
                b.setFetchSize(3);
                try (ResultSet ra = a.executeQuery(); ResultSet rb = b.executeQuery()) {
                    List<String> left = new ArrayList<>();
                    List<String> right = new ArrayList<>();
                    boolean more = true;
                    while (more) {
                        more = false;
                        if (ra.next()) {
                            left.add(ra.getString(1) + " " + ra.getString(2) + " " + ra.getString(3) + " " + ra.getString(4));
                            more = true;
                        }
                        if (rb.next()) {
                            right.add(rb.getString(1) + " " + rb.getString(2) + " " + rb.getString(3));
                            more = true;
                        }
                    }
                    assertEquals(CoordinatorIT.answer(ref, t(REPORTS.get(0), "orders_all")).size() - 1, left.size());
                    assertEquals(CoordinatorIT.answer(ref, t(REPORTS.get(1), "orders_all")).size() - 1, right.size());
                }
            }
            // Writes on two shards, seen by the next report read three rows at a time, then COMMIT in two phases.
            for (Connection c : List.of(steer, ref)) {
                String table = c == steer ? "orders" : "orders_all";
                write(c, "INSERT INTO " + table + " (id, customer_id, status, total, qty) VALUES (901, " + CUSTOMER_ON[1]
                        + ", 'new', 5, 1), (902, " + CUSTOMER_ON[2] + ", 'odd', 6, 2)");
            }
            assertEquals(fetched(ref, t(REPORTS.get(0), "orders_all"), 3), fetched(steer, t(REPORTS.get(0), "orders"), 3));
            steer.commit();
            ref.rollback();
        }
        assertEquals(commits + 1, commitLines(), "one two-phase commit in the decision log");
        for (int shard : new int[] {1, 2}) {
            try (Connection c = cluster.shard(shard)) {
                assertEquals(List.of("count:int8 ", "1 | "), CoordinatorIT.answer(c, "SELECT count(*) FROM orders WHERE id >= 901"));
            }
        }
        try (Connection c = cluster.connect()) {
            write(c, "DELETE FROM orders WHERE id >= 901");
        }
    }

    // --- the raw protocol: Execute with a row limit, PortalSuspended, Execute again across Syncs, Close ---

    /** Expressions only: their RowDescription names no table, so it is the same from orders and orders_all. */
    static final String RAW = "SELECT id + 0 AS id, rank() OVER (ORDER BY total NULLS FIRST, id) AS r, sum(qty) OVER (PARTITION BY status) AS qtys"
            + " FROM {t} WHERE id <= $1 ORDER BY id";

    static byte[] parse(String sql) {
        return frame('P', cstr(""), cstr(sql), i16(1), i32(23));
    }

    static byte[] bind(String portal, String maxId) {
        byte[] value = maxId.getBytes(StandardCharsets.UTF_8);
        return frame('B', cstr(portal), cstr(""), i16(0), i16(1), i32(value.length), value, i16(0));
    }

    static byte[] execute(String portal, int maxRows) {
        return frame('E', cstr(portal), i32(maxRows));
    }

    static byte[] closePortal(String portal) {
        return frame('C', new byte[] {'P'}, cstr(portal));
    }

    static byte[] query(String sql) {
        return frame('Q', cstr(sql));
    }

    static final byte[] SYNC = frame('S');

    static List<List<byte[]>> batches(String table) {
        String sql = RAW.replace("{t}", table);
        return List.of(
                List.of(query("BEGIN")),
                List.of(parse(sql), bind("p1", "11"), execute("p1", 3), SYNC),
                List.of(execute("p1", 3), SYNC),
                List.of(parse("SELECT $1 + 0 AS x"), bind("", "1"), execute("", 0), SYNC),
                List.of(execute("p1", 2), execute("p1", 1), SYNC),
                List.of(execute("p1", 0), SYNC),
                List.of(execute("p1", 5), SYNC),
                List.of(closePortal("p1"), SYNC),
                List.of(execute("p1", 1), SYNC),
                List.of(query("ROLLBACK")),
                // Outside a transaction block, two Executes before one Sync are one implicit transaction: the second goes on.
                List.of(parse(sql), bind("", "9"), execute("", 4), execute("", 0), SYNC),
                // The unnamed portal bound again replaces the suspended one.
                List.of(query("BEGIN")),
                List.of(parse(sql), bind("", "9"), execute("", 2), SYNC),
                List.of(parse(sql), bind("", "5"), execute("", 2), SYNC),
                List.of(execute("", 0), SYNC),
                List.of(query("COMMIT")));
    }

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
    void aSuspendedPortalGoesOnAcrossSyncsAsPostgresqlsDoes() throws Exception {
        try (RawWireClient proxied = loggedIn(cluster.proxy.address(), EmbeddedBackend.USER, "shop");
             RawWireClient direct = loggedIn(new InetSocketAddress("127.0.0.1", cluster.shards.get(0).port()), "postgres",
                     EmbeddedBackend.DATABASE)) {
            List<List<byte[]>> expectedBatches = batches("orders_all");
            List<List<byte[]>> actualBatches = batches("orders");
            for (int i = 0; i < expectedBatches.size(); i++) {
                List<String> expected = exchange(direct, expectedBatches.get(i));
                assertEquals(expected, exchange(proxied, actualBatches.get(i)), "batch " + i);
                if (i == 2) {
                    // The portal's coordinator is held apart from the session's own link to s0.
                    assertTrue(leased() >= 2, "a coordinator held for the suspended portal");
                }
            }
        }
    }

    static byte[] describePortal(String portal) {
        return frame('D', new byte[] {'P'}, cstr(portal));
    }

    /** psycopg 3's server cursor: DECLARE, then the protocol's Describe of the cursor's portal by its name, FETCH in the extended protocol. */
    static List<List<byte[]>> cursorBatches(String table) {
        String several = RAW.replace("{t}", table).replace("$1", "11");
        String one = "SELECT id + 0 AS id, status || '' AS s FROM " + table + " WHERE customer_id = " + CUSTOMER_ON[2] + " ORDER BY id";
        return List.of(
                List.of(query("BEGIN")),
                List.of(parse("DECLARE c CURSOR FOR " + several.replace("$1", "11")), bind("", "0"), execute("", 0), SYNC),
                List.of(describePortal("c"), SYNC),
                List.of(parse("FETCH FORWARD 4 FROM c"), bind("", "0"), describePortal(""), execute("", 0), SYNC),
                List.of(query("DECLARE o CURSOR FOR " + one)),
                List.of(describePortal("o"), SYNC),
                List.of(parse("FETCH FORWARD 2 FROM o"), bind("", "0"), execute("", 0), SYNC),
                List.of(describePortal("nothing"), SYNC),
                List.of(query("COMMIT")));
    }

    @Test
    void aCursorIsDescribedByItsNameAsPostgresqlDoes() throws Exception {
        try (RawWireClient proxied = loggedIn(cluster.proxy.address(), EmbeddedBackend.USER, "shop");
             RawWireClient direct = loggedIn(new InetSocketAddress("127.0.0.1", cluster.shards.get(0).port()), "postgres",
                     EmbeddedBackend.DATABASE)) {
            List<List<byte[]>> expectedBatches = cursorBatches("orders_all");
            List<List<byte[]>> actualBatches = cursorBatches("orders");
            for (int i = 0; i < expectedBatches.size(); i++) {
                assertEquals(exchange(direct, expectedBatches.get(i)), exchange(proxied, actualBatches.get(i)), "batch " + i);
            }
        }
    }

    // --- SQL cursors ---

    /** Statements run through pgsteer and on the reference, one by one: each answer (rows, count, or SQLSTATE) the same. */
    static void sameSteps(Connection steer, Connection ref, List<String> steps) throws SQLException {
        for (String step : steps) {
            assertEquals(outcome(ref, t(step, "orders_all")), outcome(steer, t(step, "orders")), step);
        }
    }

    static String outcome(Connection c, String sql) {
        try (Statement s = c.createStatement()) {
            if (s.execute(sql)) {
                try (ResultSet rs = s.getResultSet()) {
                    return String.join("\n", MultiShardSelectIT.rows(rs));
                }
            }
            return "count " + s.getUpdateCount();
        } catch (SQLException e) {
            return "error " + e.getSQLState();
        }
    }

    static final List<String> CURSOR_STEPS = List.of(
            "DECLARE c SCROLL CURSOR FOR " + REPORTS.get(0),
            "FETCH 5 FROM c",
            "FETCH NEXT FROM c",
            "FETCH BACKWARD 2 FROM c",
            "FETCH ABSOLUTE 3 FROM c",
            "MOVE FORWARD 4 IN c",
            "FETCH RELATIVE 2 FROM c",
            "FETCH ALL FROM c",
            "FETCH 1 FROM c",
            "FETCH LAST FROM c",
            "MOVE ABSOLUTE 0 IN c",
            "FETCH FORWARD ALL IN c",
            "DECLARE w CURSOR FOR " + REPORTS.get(1),
            "FETCH 4 w",
            "CLOSE w",
            // Over several shards and mergeable in the proxy, a cursor still reads one PostgreSQL's rows in its order.
            "DECLARE m NO SCROLL CURSOR FOR SELECT id, status FROM {t} ORDER BY total DESC NULLS LAST, id",
            "FETCH 7 FROM m",
            "FETCH ALL FROM m",
            "CLOSE c",
            "CLOSE m");

    @ParameterizedTest(name = "preferQueryMode {0}")
    @ValueSource(strings = {"simple", "extended"})
    void declareFetchMoveAndCloseOverSeveralShardsAnswerAsOnePostgresql(String queryMode) throws Exception {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", queryMode);
        try (Connection steer = cluster.connect(props); Connection ref = cluster.shard(0)) {
            steer.setAutoCommit(false);
            ref.setAutoCommit(false);
            sameSteps(steer, ref, CURSOR_STEPS);
            steer.commit();
            ref.commit();
        }
    }

    @Test
    void errorsAreThoseOfPostgresql() throws Exception {
        try (Connection steer = cluster.connect(CoordinatorIT.simple()); Connection ref = cluster.shard(0)) {
            // Outside a transaction block: 25P01, as PostgreSQL, over one shard and over several.
            sameSteps(steer, ref, List.of(
                    "DECLARE c CURSOR FOR " + REPORTS.get(0),
                    "DECLARE c CURSOR FOR SELECT * FROM {t} WHERE customer_id = " + CUSTOMER_ON[1],
                    "FETCH 1 FROM nothing"));
            steer.setAutoCommit(false);
            ref.setAutoCommit(false);
            sameSteps(steer, ref, List.of(
                    "DECLARE c CURSOR FOR " + REPORTS.get(0),
                    "FETCH 2 FROM c",
                    "CLOSE c",
                    "FETCH 1 FROM c"));
            steer.rollback();
            ref.rollback();
            // A cursor declared twice, and one closed by ROLLBACK TO the savepoint before it.
            sameSteps(steer, ref, List.of(
                    "DECLARE c CURSOR FOR " + REPORTS.get(0),
                    "SAVEPOINT a",
                    "DECLARE d CURSOR FOR " + REPORTS.get(1),
                    "FETCH 2 FROM d",
                    "ROLLBACK TO SAVEPOINT a",
                    "FETCH 2 FROM c",
                    "FETCH 2 FROM d",
                    "ROLLBACK TO SAVEPOINT a",
                    "DECLARE d CURSOR FOR " + REPORTS.get(1),
                    "FETCH 3 FROM d",
                    "DECLARE d CURSOR FOR " + REPORTS.get(1)));
            steer.rollback();
            ref.rollback();
            // The same over one shard; then CLOSE ALL closes the cursors of every place.
            String one = "SELECT id, status FROM {t} WHERE customer_id = " + CUSTOMER_ON[1] + " ORDER BY id";
            sameSteps(steer, ref, List.of(
                    "SAVEPOINT a",
                    "DECLARE e CURSOR FOR " + one,
                    "FETCH 1 FROM e",
                    "ROLLBACK TO SAVEPOINT a",
                    "DECLARE e CURSOR FOR " + one,
                    "FETCH 2 FROM e",
                    "DECLARE c CURSOR FOR " + REPORTS.get(0),
                    "FETCH 1 FROM c",
                    "CLOSE ALL",
                    "DECLARE c CURSOR FOR " + REPORTS.get(1),
                    "DECLARE e CURSOR FOR " + one,
                    "FETCH 2 FROM c",
                    "FETCH ALL FROM e",
                    "CLOSE ALL",
                    "FETCH 1 FROM e"));
            steer.rollback();
            ref.rollback();
        }
    }

    @Test
    void aCursorWithHoldOverSeveralShardsIsRefusedWithItsReason() throws Exception {
        try (Connection steer = cluster.connect(CoordinatorIT.simple())) {
            steer.setAutoCommit(false);
            SQLException e = assertThrows(SQLException.class,
                    () -> write(steer, "DECLARE h CURSOR WITH HOLD FOR " + t(REPORTS.get(0), "orders")));
            assertEquals("0A000", e.getSQLState());
            assertTrue(e.getMessage().contains("WITH HOLD reads several shards"), e.getMessage());
            steer.rollback();
        }
    }

    @Test
    void aCursorOverOneShardRunsOnThatShard() throws Exception {
        String one = "SELECT id, status, total FROM {t} WHERE customer_id = " + CUSTOMER_ON[2] + " ORDER BY id";
        try (Connection steer = cluster.connect(CoordinatorIT.simple()); Connection ref = cluster.shard(0);
             Connection s2 = cluster.shard(2)) {
            steer.setAutoCommit(false);
            ref.setAutoCommit(false);
            sameSteps(steer, ref, List.of("DECLARE o SCROLL CURSOR FOR " + one, "FETCH 1 FROM o"));
            assertEquals(List.of("count:int8 ", "1 | "), CoordinatorIT.answer(s2, "SELECT count(*) FROM pg_stat_activity "
                    + "WHERE query LIKE 'FETCH 1 FROM o%' AND pid <> pg_backend_pid()"), "the cursor lives on s2");
            try (Connection s0 = cluster.shard(0)) {
                assertEquals(List.of("count:int8 ", "0 | "), CoordinatorIT.answer(s0,
                        "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"), "no coordinator step ran");
            }
            sameSteps(steer, ref, List.of("FETCH ALL FROM o", "FETCH BACKWARD 2 FROM o", "CLOSE o", "FETCH 1 FROM o"));
            steer.rollback();
            ref.rollback();
        }
    }

    /** psql's {@code FETCH_COUNT} reads a result through {@code DECLARE _psql_cursor NO SCROLL CURSOR}, FETCH FORWARD n, CLOSE. */
    @Test
    void psqlWithAFetchCountPrintsWhatPostgresqlPrints() throws Exception {
        ClientTool psql = ClientTool.require("psql");
        String script = """
                \\set FETCH_COUNT 4
                %s;
                BEGIN;
                \\set FETCH_COUNT 3
                %s;
                SELECT count(*) FROM {t};
                COMMIT;
                """.formatted(REPORTS.get(0), REPORTS.get(1));
        Path steerScript = Files.createTempFile("cursor-steer", ".sql");
        Path refScript = Files.createTempFile("cursor-ref", ".sql");
        Files.writeString(steerScript, t(script, "orders"));
        Files.writeString(refScript, t(script, "orders_all"));
        ToolRun steered = ToolRun.run(ToolRun.command(psql.binary(), "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", Integer.toString(cluster.proxy.address().getPort()), "-U", "app", "-d", "shop", "-f", steerScript),
                ToolRun.clientEnvironment(Map.of()), Duration.ofSeconds(60));
        ToolRun direct = ToolRun.run(ToolRun.command(psql.binary(), "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", Integer.toString(cluster.shards.get(0).port()), "-U", EmbeddedBackend.USER, "-d", EmbeddedBackend.DATABASE,
                "-f", refScript), ToolRun.clientEnvironment(Map.of("PGPASSWORD", EmbeddedBackend.PASSWORD)), Duration.ofSeconds(60));
        assertEquals(0, direct.exitCode(), direct.describe());
        assertEquals(0, steered.exitCode(), steered.describe());
        assertTrue(direct.stdout().contains("(19 rows)"), direct.stdout());
        assertEquals(direct.stdout(), steered.stdout());
    }

    // --- every way a transaction ends in the middle ---

    static final String IN_TRANSACTION = "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"
            + " AND datname = current_database() AND pid <> pg_backend_pid()";

    @Test
    void rollbackInTheMiddleGivesTheCoordinatorsBack() throws Exception {
        try (Connection steer = cluster.connect()) {
            steer.setAutoCommit(false);
            try (PreparedStatement p = steer.prepareStatement(t(REPORTS.get(1), "orders"))) {
                p.setFetchSize(3);
                ResultSet rs = p.executeQuery();
                assertTrue(rs.next());
                write(steer, "DECLARE c CURSOR FOR " + t(REPORTS.get(0), "orders"));
                write(steer, "FETCH 2 FROM c");
                // The session's links to s0, s1, s2, and two coordinators apart: one for the portal, one for the cursor.
                assertEquals(5, leased(), "two coordinators held");
                try (Connection s0 = cluster.shard(0)) {
                    // Their transactions are open (the temporary tables in them are not visible to other sessions).
                    assertEquals(List.of("count:int8 ", "3 | "), CoordinatorIT.answer(s0, IN_TRANSACTION));
                    steer.rollback();
                    CoordinatorTransactionIT.waitFor(s0, IN_TRANSACTION.replace("count(*)", "count(*) = 0"), "transactions left open on s0");
                }
            }
            assertEquals(0, leasedWithin(5));
            // The session goes on.
            assertEquals(fetched(cluster.shard(0), t(REPORTS.get(0), "orders_all"), 0), fetched(steer, t(REPORTS.get(0), "orders"), 4));
            steer.rollback();
        }
    }

    @Test
    void aClientThatLeavesInTheMiddleLeavesNothing() throws Exception {
        Connection steer = cluster.connect();
        steer.setAutoCommit(false);
        PreparedStatement p = steer.prepareStatement(t(REPORTS.get(1), "orders"));
        p.setFetchSize(3);
        ResultSet rs = p.executeQuery();
        assertTrue(rs.next());
        write(steer, "DECLARE c CURSOR FOR " + t(REPORTS.get(0), "orders"));
        write(steer, "FETCH 2 FROM c");
        assertEquals(5, leased(), "two coordinators held");
        // The socket closes with no Terminate.
        steer.abort(Executors.newSingleThreadExecutor());
    }

    @Test
    void commitEndsTheCursorsAndThePortals() throws Exception {
        try (Connection steer = cluster.connect(CoordinatorIT.simple())) {
            steer.setAutoCommit(false);
            write(steer, "DECLARE c CURSOR FOR " + t(REPORTS.get(0), "orders"));
            write(steer, "FETCH 2 FROM c");
            steer.commit();
            assertEquals(0, leasedWithin(5));
            SQLException e = assertThrows(SQLException.class, () -> write(steer, "FETCH 2 FROM c"));
            assertEquals("34000", e.getSQLState());
            steer.rollback();
        }
    }
}
