package dev.pgsteer.proxy.it;

import static dev.pgsteer.proxy.it.JdbcOutcomes.describe;
import static dev.pgsteer.proxy.it.JdbcOutcomes.error;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.ProxiedBackend.Route;
import dev.pgsteer.proxy.testkit.ProxiedBackend;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PGobject;

/**
 * pgjdbc must get the same answers through pgsteer (quick mode, transaction pooling) as straight
 * from PostgreSQL. Each test runs one scenario by both routes and compares what it observed, as text.
 *
 * <p>Connections use {@code prepareThreshold=0}, so that pgjdbc only ever uses the unnamed statement.
 * Named server-side statements (pgjdbc names a statement from its fifth execution, or at once with
 * {@code prepareThreshold=-1}, and always for a batch that repeats one statement) must survive
 * transaction pooling by being renamed and re-prepared per connection; that is issue 4's work and is
 * not tested here.
 */
class JdbcDifferentialIT {
    static final String UNNAMED = "prepareThreshold=0";
    static ProxiedBackend stack;

    @BeforeAll
    static void start() {
        stack = ProxiedBackend.quick();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"preferQueryMode=extended", "preferQueryMode=simple"})
    void mixedTypesComeBackAlike(String queryMode) throws Exception {
        String sql = """
                select 42::int as i, 9223372036854775807::bigint as big, 12345.678900::numeric(12,6) as num,
                       'text with ünïcode 🐘'::text as t, '\\xdeadbeef00'::bytea as b,
                       '2024-03-05 13:14:15.123456+02'::timestamptz as ts, '{"a": [1, 2, {"b": null}]}'::jsonb as j,
                       array[1, 2, 3]::int[] as ints, array['x', null, 'z y']::text[] as texts,
                       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as u, null::text as nothing,
                       true as flag, 1.5::float8 as f, date '2024-02-29' as d, interval '1 day 02:03:04' as iv,
                       'abc'::varchar(10) as vc, 'x'::char(3) as ch, -0.000001::numeric as tiny
                union all
                select null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                       null, null, null
                """;
        List<String> direct = differential(route -> {
            try (Connection c = stack.connect(route, UNNAMED, queryMode); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql)) {
                return describe(rs);
            }
        });
        assertTrue(direct.contains("row 2:" + " | null => null".repeat(18)), String.join("\n", direct));
    }

    @Test
    void parametersOfManyTypesRoundTrip() throws Exception {
        differential(route -> {
            try (Connection c = stack.connect(route, UNNAMED); Statement s = c.createStatement()) {
                s.execute("create table jdbc_types (i int, big bigint, num numeric, t text, b bytea, ts timestamptz, "
                        + "j jsonb, ints int[], u uuid, nothing text)");
                try (PreparedStatement insert = c.prepareStatement("insert into jdbc_types values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    PGobject json = new PGobject();
                    json.setType("jsonb");
                    json.setValue("{\"k\": [true, 1.5]}");
                    insert.setInt(1, -7);
                    insert.setLong(2, Long.MIN_VALUE);
                    insert.setBigDecimal(3, new BigDecimal("-98765.43210"));
                    insert.setString(4, "O'Reilly \\ ünï 🐘");
                    insert.setBytes(5, new byte[] {0, 1, (byte) 0xff, 0x7f});
                    insert.setTimestamp(6, Timestamp.valueOf("2001-02-03 04:05:06.789"));
                    insert.setObject(7, json);
                    insert.setArray(8, c.createArrayOf("int4", new Integer[] {3, null, 1}));
                    insert.setObject(9, UUID.fromString("123e4567-e89b-12d3-a456-426614174000"));
                    insert.setNull(10, Types.VARCHAR);
                    assertEquals(1, insert.executeUpdate());
                }
                List<String> seen;
                try (ResultSet rs = s.executeQuery("select * from jdbc_types")) {
                    seen = describe(rs);
                }
                s.execute("drop table jdbc_types");
                return seen;
            }
        });
    }

    @Test
    void errorsKeepTheirSqlStateAndTheConnectionGoesOn() throws Exception {
        List<String> direct = differential(route -> {
            List<String> seen = new ArrayList<>();
            try (Connection c = stack.connect(route, UNNAMED); Statement s = c.createStatement()) {
                s.execute("create table jdbc_errors (id int primary key)");
                s.execute("insert into jdbc_errors values (1)");
                for (String bad : List.of("select 1/0", "select * from jdbc_no_such_table", "selec 1", "select 'abc'::int",
                        "insert into jdbc_errors values (1)", "select jdbc_no_such_function()", "select id from jdbc_errors where",
                        "DO $$ BEGIN RAISE EXCEPTION 'custom' USING ERRCODE = 'P0001', DETAIL = 'd', HINT = 'h'; END $$")) {
                    SQLException e = assertThrows(SQLException.class, () -> s.execute(bad), bad);
                    seen.add(bad + " -> " + error(e));
                    try (ResultSet rs = s.executeQuery("select count(*) from jdbc_errors")) {
                        rs.next();
                        seen.add("then count = " + rs.getInt(1));
                    }
                }
                try (PreparedStatement p = c.prepareStatement("select 10 / ?")) {
                    p.setInt(1, 0);
                    seen.add("bound 0 -> " + error(assertThrows(SQLException.class, p::executeQuery)));
                }
                s.execute("drop table jdbc_errors");
            }
            return seen;
        });
        assertTrue(direct.stream().anyMatch(line -> line.contains("sqlState=22012")), String.join("\n", direct));
        assertTrue(direct.stream().anyMatch(line -> line.contains("sqlState=42P01")), String.join("\n", direct));
        assertTrue(direct.stream().anyMatch(line -> line.contains("sqlState=23505")), String.join("\n", direct));
    }

    @Test
    void autocommitOffCommitsAndRollsBack() throws Exception {
        differential(route -> {
            List<String> seen = new ArrayList<>();
            try (Connection writer = stack.connect(route, UNNAMED); Connection reader = stack.connect(route, UNNAMED);
                    Statement w = writer.createStatement(); Statement r = reader.createStatement()) {
                r.execute("create table jdbc_tx (id int primary key)");
                writer.setAutoCommit(false);

                w.executeUpdate("insert into jdbc_tx values (1)");
                seen.add("before commit, reader sees " + ids(r, "jdbc_tx"));
                seen.add("writer sees its own row " + ids(w, "jdbc_tx"));
                writer.commit();
                seen.add("after commit, reader sees " + ids(r, "jdbc_tx"));

                w.executeUpdate("insert into jdbc_tx values (2)");
                writer.rollback();
                seen.add("after rollback, reader sees " + ids(r, "jdbc_tx"));

                // One transaction, one backend: the transaction id holds across statements.
                seen.add("one transaction id across statements: " + (txid(w) == txid(w)));
                w.executeUpdate("insert into jdbc_tx values (3)");
                seen.add("failure -> " + error(assertThrows(SQLException.class, () -> w.execute("select 1/0"))));
                seen.add("then -> " + error(assertThrows(SQLException.class, () -> w.executeUpdate("insert into jdbc_tx values (4)"))));
                writer.rollback();
                seen.add("after the failed transaction, reader sees " + ids(r, "jdbc_tx"));

                w.executeUpdate("insert into jdbc_tx values (5)");
                var savepoint = writer.setSavepoint();
                w.executeUpdate("insert into jdbc_tx values (6)");
                writer.rollback(savepoint);
                writer.commit();
                seen.add("after a savepoint rollback and commit, reader sees " + ids(r, "jdbc_tx"));

                writer.setAutoCommit(true);
                r.execute("drop table jdbc_tx");
            }
            return seen;
        });
    }

    @Test
    void resetReturnsToTheSettingsTheSessionStartedWith() throws Exception {
        // pgjdbc puts application_name, DateStyle, TimeZone, extra_float_digits and client_encoding in
        // its startup packet, and options passes statement_timeout: RESET goes back to those values.
        String[] parameters = {UNNAMED, "ApplicationName=jdbc-reset", "options=-c%20statement_timeout%3D54321"};
        List<String> direct = differential(route -> {
            List<String> seen = new ArrayList<>();
            List<String> settings = List.of("application_name", "TimeZone", "extra_float_digits", "statement_timeout", "DateStyle");
            try (Connection c = stack.connect(route, parameters); Statement s = c.createStatement()) {
                seen.add("at start " + show(s, settings));
                s.execute("set application_name = 'changed'");
                s.execute("set TimeZone = 'Asia/Tokyo'");
                s.execute("set extra_float_digits = 0");
                s.execute("set statement_timeout = '1min'");
                seen.add("after SET " + show(s, settings));
                for (String setting : settings) {
                    s.execute("reset " + setting);
                }
                seen.add("after RESET of each " + show(s, settings));
                s.execute("set application_name = 'changed again'");
                s.execute("set TimeZone = 'Asia/Tokyo'");
                s.execute("reset all");
                seen.add("after RESET ALL " + show(s, settings));
            }
            return seen;
        });
        assertTrue(direct.get(0).contains("jdbc-reset") && direct.get(0).contains("54321ms"), direct.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"reWriteBatchedInserts=false", "reWriteBatchedInserts=true"})
    void batchInserts(String rewrite) throws Exception {
        differential(route -> {
            List<String> seen = new ArrayList<>();
            try (Connection c = stack.connect(route, UNNAMED, rewrite); Statement s = c.createStatement()) {
                s.execute("create table jdbc_batch (id int primary key, name text)");
                try (PreparedStatement insert = c.prepareStatement("insert into jdbc_batch values (?, ?)")) {
                    for (int i = 1; i <= 200; i++) {
                        insert.setInt(1, i);
                        insert.setString(2, "row " + i);
                        insert.addBatch();
                    }
                    seen.add("counts " + Arrays.toString(insert.executeBatch()));
                }
                seen.add("rows " + count(s, "jdbc_batch"));

                s.addBatch("insert into jdbc_batch values (1001, 'a')");
                s.addBatch("update jdbc_batch set name = 'b' where id <= 10");
                s.addBatch("delete from jdbc_batch where id > 100 and id <= 1000");
                seen.add("statement batch counts " + Arrays.toString(s.executeBatch()));
                seen.add("rows " + count(s, "jdbc_batch"));

                try (PreparedStatement insert = c.prepareStatement("insert into jdbc_batch values (?, ?)")) {
                    for (int id : new int[] {2001, 2002, 1, 2003}) {
                        insert.setInt(1, id);
                        insert.setString(2, "dup?");
                        insert.addBatch();
                    }
                    BatchUpdateException e = assertThrows(BatchUpdateException.class, insert::executeBatch);
                    seen.add("failed batch counts " + Arrays.toString(e.getUpdateCounts()) + " " + error(e));
                }
                seen.add("rows after the failed batch " + count(s, "jdbc_batch"));

                c.setAutoCommit(false);
                try (PreparedStatement insert = c.prepareStatement("insert into jdbc_batch values (?, ?)")) {
                    for (int i = 3001; i <= 3050; i++) {
                        insert.setInt(1, i);
                        insert.setString(2, "in a transaction");
                        insert.addBatch();
                    }
                    seen.add("counts in a transaction " + Arrays.toString(insert.executeBatch()));
                }
                c.commit();
                c.setAutoCommit(true);
                seen.add("rows " + count(s, "jdbc_batch"));
                s.execute("drop table jdbc_batch");
            }
            return seen;
        });
    }

    @Test
    void preparedStatementReuseBelowTheServerPrepareThreshold() throws Exception {
        // pgjdbc's default prepareThreshold is 5: four executions stay on the unnamed statement.
        differential(route -> {
            List<String> seen = new ArrayList<>();
            try (Connection c = stack.connect(route); PreparedStatement p = c.prepareStatement("select ? * 2 as doubled, ?::text as label")) {
                for (int i = 1; i <= 4; i++) {
                    p.setInt(1, i);
                    p.setString(2, "run " + i);
                    try (ResultSet rs = p.executeQuery()) {
                        seen.addAll(describe(rs));
                    }
                }
            }
            return seen;
        });
    }

    @Test
    void preparedStatementReuseWithTheUnnamedStatementOnly() throws Exception {
        // prepareThreshold=0: however often it runs, every execution parses the unnamed statement again,
        // so each transaction can land on any pooled connection.
        differential(route -> {
            List<String> seen = new ArrayList<>();
            try (Connection c = stack.connect(route, UNNAMED); Statement s = c.createStatement()) {
                s.execute("create table jdbc_reuse (id int primary key, name text)");
                try (PreparedStatement insert = c.prepareStatement("insert into jdbc_reuse values (?, ?)");
                        PreparedStatement select = c.prepareStatement("select name from jdbc_reuse where id = ?")) {
                    for (int i = 1; i <= 30; i++) {
                        insert.setInt(1, i);
                        insert.setString(2, "name " + i);
                        insert.executeUpdate();
                        select.setInt(1, i);
                        try (ResultSet rs = select.executeQuery()) {
                            seen.addAll(describe(rs));
                        }
                    }
                    c.setAutoCommit(false);
                    for (int i = 31; i <= 40; i++) {
                        insert.setInt(1, i);
                        insert.setString(2, "name " + i);
                        insert.executeUpdate();
                    }
                    c.commit();
                    c.setAutoCommit(true);
                }
                seen.add("rows " + count(s, "jdbc_reuse"));
                s.execute("drop table jdbc_reuse");
            }
            return seen;
        });
    }

    @Test
    void copyInAndCopyOut() throws Exception {
        differential(route -> {
            List<String> seen = new ArrayList<>();
            try (Connection c = stack.connect(route, UNNAMED); Statement s = c.createStatement()) {
                CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
                s.execute("create table jdbc_copy (id int primary key, name text, note text)");
                seen.add("copied in " + copy.copyIn("COPY jdbc_copy FROM STDIN",
                        new StringReader("1\talpha\t\\N\n2\tbeta\twith space\n3\tgamma\tünïcödé 🐘\n")));
                StringBuilder many = new StringBuilder();
                for (int i = 100; i < 20_100; i++) {
                    many.append(i).append(",name ").append(i).append(",\"note, ").append(i).append("\"\n");
                }
                seen.add("copied in " + copy.copyIn("COPY jdbc_copy FROM STDIN WITH (FORMAT csv)", new StringReader(many.toString())));

                StringWriter text = new StringWriter();
                seen.add("copied out " + copy.copyOut("COPY (select * from jdbc_copy where id < 100 order by id) TO STDOUT", text));
                seen.add(text.toString());
                StringWriter csv = new StringWriter();
                seen.add("copied out " + copy.copyOut("COPY (select * from jdbc_copy order by id) TO STDOUT WITH (FORMAT csv, HEADER)", csv));
                seen.add("csv of " + csv.toString().length() + " characters, hash " + csv.toString().hashCode());

                SQLException bad = assertThrows(SQLException.class, () -> copy.copyIn("COPY jdbc_copy FROM STDIN",
                        new StringReader("4\tfine\tx\nnot-a-number\tbad\tx\n")));
                seen.add("bad row -> " + error(bad));
                seen.add("rows after the bad copy " + count(s, "jdbc_copy"));

                c.setAutoCommit(false);
                seen.add("copied in, in a transaction " + copy.copyIn("COPY jdbc_copy FROM STDIN", new StringReader("5\tfive\tx\n")));
                c.rollback();
                c.setAutoCommit(true);
                seen.add("rows after rolling back a copy " + count(s, "jdbc_copy"));
                s.execute("drop table jdbc_copy");
            }
            return seen;
        });
    }

    @Test
    void cancelStopsARunningStatementAndTheConnectionStaysUsable() throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            List<String> direct = differential(route -> {
                String marker = "jdbc-cancel-" + route;
                try (Connection c = stack.connect(route, UNNAMED); Statement s = c.createStatement();
                        Connection watcher = stack.connect(Route.DIRECT)) {
                    Future<SQLException> running = runner.submit(() -> {
                        try {
                            s.executeQuery("select pg_sleep(30) /* " + marker + " */");
                            return null;
                        } catch (SQLException e) {
                            return e;
                        }
                    });
                    // Cancel only once the backend runs it: a cancel that arrives first cancels nothing.
                    awaitActive(watcher, marker, Duration.ofSeconds(10));
                    long start = System.nanoTime();
                    s.cancel();
                    SQLException e = running.get(10, TimeUnit.SECONDS);
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertTrue(e != null, "pg_sleep(30) returned normally on " + route);
                    assertTrue(millis < 5_000, "the cancel took " + millis + " ms on " + route);
                    return List.of(error(e), "then " + selectOne(s));
                }
            });
            assertTrue(direct.get(0).contains("sqlState=57014"), direct.toString());
        } finally {
            runner.shutdownNow();
        }
    }

    @Test
    void queryTimeoutCancelsTheStatement() throws Exception {
        List<String> direct = differential(route -> {
            try (Connection c = stack.connect(route, UNNAMED); Statement s = c.createStatement()) {
                s.setQueryTimeout(1);
                long start = System.nanoTime();
                SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("select pg_sleep(30)"));
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(millis < 6_000, "a one-second timeout took " + millis + " ms on " + route);
                s.setQueryTimeout(0);
                return List.of(error(e), "then " + selectOne(s));
            }
        });
        assertTrue(direct.get(0).contains("sqlState=57014"), direct.toString());
    }

    // --- helpers ---

    interface Scenario<T> {
        T run(Route route) throws Exception;
    }

    /** Runs the scenario straight to PostgreSQL, then through pgsteer, asserts both observed the same, returns it. */
    static <T> T differential(Scenario<T> scenario) throws Exception {
        T direct = scenario.run(Route.DIRECT);
        T proxied = scenario.run(Route.PROXY);
        if (direct instanceof List<?> a && proxied instanceof List<?> b) {
            assertEquals(String.join("\n", a.stream().map(String::valueOf).toList()),
                    String.join("\n", b.stream().map(String::valueOf).toList()), "direct (expected) vs through pgsteer (actual)");
        }
        assertEquals(direct, proxied, "direct (expected) vs through pgsteer (actual)");
        return direct;
    }

    private static List<Integer> ids(Statement s, String table) throws SQLException {
        List<Integer> ids = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("select id from " + table + " order by id")) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        return ids;
    }

    private static long count(Statement s, String table) throws SQLException {
        try (ResultSet rs = s.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String show(Statement s, List<String> settings) throws SQLException {
        List<String> values = new ArrayList<>();
        for (String setting : settings) {
            try (ResultSet rs = s.executeQuery("show " + setting)) {
                rs.next();
                values.add(setting + "=" + rs.getString(1));
            }
        }
        return values.toString();
    }

    private static long txid(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("select txid_current()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String selectOne(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("select 1")) {
            rs.next();
            return "select 1 = " + rs.getInt(1);
        }
    }

    private static void awaitActive(Connection watcher, String marker, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (PreparedStatement p = watcher.prepareStatement(
                "select count(*) from pg_stat_activity where state = 'active' and query like '%' || ? || '%' and pid <> pg_backend_pid()")) {
            p.setString(1, marker);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError("the statement marked " + marker + " never showed up as active in pg_stat_activity");
    }
}
