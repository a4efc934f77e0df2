package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.PgjdbcWorkload;
import dev.pgsteer.proxy.testkit.ProxyConfigs;
import dev.pgsteer.proxy.testkit.RawWireClient;
import dev.pgsteer.proxy.testkit.WireMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Named prepared statements under transaction pooling: pgjdbc, in each of its query modes, sees
 * through pgsteer exactly what it sees from PostgreSQL, while its sessions move between the
 * connections of a pool smaller than the number of clients.
 */
class PreparedStatementsIT {
    static EmbeddedBackend backend;
    static PgSteerServer proxy;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        proxy = new PgSteerServer(backend.proxyConfig("mode: transaction, size: 3, acquire_timeout: 20s")).start();
        try (Connection c = backend.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id serial PRIMARY KEY, owner int, label text, price numeric(10,2))");
            s.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
            s.execute("CREATE TYPE point3 AS (x int, y int, z int)");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    static Connection viaProxy(String options) throws SQLException {
        return PgjdbcWorkload.connect(proxy.address().getPort(), "socketTimeout=30&" + options);
    }

    static Connection direct(String options) throws SQLException {
        return PgjdbcWorkload.connect(backend.port(), options);
    }

    static List<String> workload(Connection c, int owner) throws SQLException {
        return PgjdbcWorkload.run(c, owner);
    }

    @ParameterizedTest(name = "preferQueryMode={0}, prepareThreshold={1}")
    @CsvSource({"extended,1", "extended,0", "extended,5", "extendedForPrepared,1", "extendedForPrepared,0",
            "extendedCacheEverything,1", "extendedCacheEverything,0", "simple,1", "simple,0"})
    void pgjdbcSeesWhatPostgresqlShows(String mode, int threshold) throws Exception {
        String options = "preferQueryMode=" + mode + "&prepareThreshold=" + threshold + "&binaryTransfer=true";
        List<String> expected;
        try (Connection c = direct(options)) {
            expected = workload(c, 1000 + threshold);
        }
        try (Connection c = viaProxy(options)) {
            assertEquals(expected, workload(c, 1000 + threshold));
        }
    }

    /** Every column of a row of many types, as text and as the driver's Java object, with its type name. */
    static List<String> typedRow(Connection c) throws SQLException {
        List<String> seen = new ArrayList<>();
        try (java.sql.PreparedStatement ps = c.prepareStatement("""
                SELECT ?::bool AS b, ?::int2 AS s, ?::int4 AS i, ?::int8 AS l, 'NaN'::float4 AS fn, '-Infinity'::float8 AS fi,
                       ?::float8 AS f, 123456789012345678901234567890.123456789::numeric AS big, ?::text AS t, ?::bytea AS y,
                       DATE '2024-02-29' AS d, TIME '13:14:15.123' AS tm, TIMESTAMPTZ '2024-02-29 13:14:15.5+02' AS ts,
                       INTERVAL '1 year 2 days 00:00:03' AS iv, ?::uuid AS u, '{"a": [1, 2]}'::json AS js, '{"b": null}'::jsonb AS jb,
                       ARRAY[1, NULL, 3] AS arr, ARRAY['x', 'y']::text[] AS tarr, 'happy'::mood AS m, ROW(1, 2, 3)::point3 AS p,
                       NULL::int AS n
                """)) {
            for (int round = 0; round < 3; round++) {
                ps.setBoolean(1, round % 2 == 0);
                ps.setShort(2, (short) -7);
                ps.setInt(3, Integer.MAX_VALUE);
                ps.setLong(4, Long.MIN_VALUE);
                ps.setDouble(5, 0.1 + round);
                ps.setString(6, "ünïcødé " + round);
                ps.setBytes(7, new byte[] {0, (byte) 0xff, (byte) round});
                ps.setObject(8, java.util.UUID.fromString("00000000-0000-0000-0000-00000000000" + round));
                try (ResultSet rs = ps.executeQuery()) {
                    java.sql.ResultSetMetaData meta = rs.getMetaData();
                    while (rs.next()) {
                        for (int col = 1; col <= meta.getColumnCount(); col++) {
                            Object value = rs.getObject(col);
                            seen.add(meta.getColumnLabel(col) + ":" + meta.getColumnTypeName(col) + ":" + meta.getPrecision(col) + ":"
                                    + meta.getScale(col) + "=" + (value instanceof byte[] ? "bytea" : rs.getString(col)) + "/"
                                    + (value instanceof byte[] bytes ? java.util.Arrays.toString(bytes) : String.valueOf(value)));
                        }
                    }
                }
            }
        }
        return seen;
    }

    @ParameterizedTest(name = "preferQueryMode={0}, prepareThreshold={1}, binaryTransfer={2}")
    @CsvSource({"extended,1,true", "extended,0,false", "extendedCacheEverything,1,true", "simple,1,false"})
    void manyTypesArriveAsFromPostgresql(String mode, int threshold, boolean binary) throws Exception {
        String options = "preferQueryMode=" + mode + "&prepareThreshold=" + threshold + "&binaryTransfer=" + binary;
        List<String> expected;
        try (Connection c = direct(options)) {
            expected = typedRow(c);
        }
        try (Connection c = viaProxy(options)) {
            assertEquals(expected, typedRow(c));
        }
    }

    @Test
    void rewrittenBatchInsertsCountAsFromPostgresql() throws Exception {
        List<String> expected;
        try (Connection c = direct("reWriteBatchedInserts=true&prepareThreshold=1")) {
            expected = PgjdbcWorkload.run(c, 777);
        }
        try (Connection c = viaProxy("reWriteBatchedInserts=true&prepareThreshold=1")) {
            assertEquals(expected, PgjdbcWorkload.run(c, 777));
        }
    }

    @Test
    void manyClientsShareFewConnectionsWithoutErrorsOrCrossTalk() throws Exception {
        int clients = 24;
        List<String> expected;
        try (Connection c = direct("prepareThreshold=1")) {
            expected = workload(c, 1);
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int client = 0; client < clients; client++) {
                int owner = 100 + client;
                runs.add(pool.submit(() -> {
                    List<String> last = null;
                    try (Connection c = viaProxy("prepareThreshold=1")) {
                        for (int round = 0; round < 5; round++) {
                            last = workload(c, owner);
                        }
                    }
                    return last;
                }));
            }
            for (Future<List<String>> run : runs) {
                assertEquals(expected, run.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A pgsteer in front of the backend that lets user app in without a password, for raw-wire clients. */
    static PgSteerServer trusting(String pool) throws InterruptedException {
        return new PgSteerServer(ProxyConfigs.trustingInFrontOf(backend.url(),
                "appdb: { shards: [main], pool: { " + pool + " } }")).start();
    }

    /** A raw-wire session of user app through {@code proxy}, logged in; {@code startup} adds to the startup packet. */
    static RawWireClient session(PgSteerServer proxy, Map<String, String> startup) throws IOException {
        return loggedIn(new RawWireClient(proxy.address()), "app", startup);
    }

    static RawWireClient session(PgSteerServer proxy) throws IOException {
        return session(proxy, Map.of());
    }

    /** A raw-wire session straight to PostgreSQL, as its superuser (pg_hba trusts it on 127.0.0.1): what pgsteer must match. */
    static RawWireClient straightToPostgresql(Map<String, String> startup) throws IOException {
        return loggedIn(new RawWireClient(new InetSocketAddress("127.0.0.1", backend.port())), "postgres", startup);
    }

    private static RawWireClient loggedIn(RawWireClient raw, String user, Map<String, String> startup) throws IOException {
        Map<String, String> parameters = new LinkedHashMap<>(Map.of("user", user, "database", EmbeddedBackend.DATABASE));
        parameters.putAll(startup);
        raw.sendStartup(3 << 16, parameters);
        raw.readUntil('Z');
        return raw;
    }

    @Test
    void aSecondStatementOfTheSameNameIsRefusedWithTheClientsNameAndTheBatchIsSkippedToSync() throws Exception {
        try (PgSteerServer trusting = trusting("size: 1");
             RawWireClient raw = session(trusting)) {
            raw.sendTyped('P', "dup\0SELECT 1\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('P', "dup\0SELECT 2\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('B', "\0dup\0\0\0\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('E', "\0\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('S', new byte[0]);
            assertEquals('1', raw.read().type());
            WireMessage error = raw.read();
            assertEquals('E', error.type());
            assertEquals("42P05", error.fields().get('C'));
            // PostgreSQL's words (prepare.c), with the name the client chose, not pgsteer's.
            assertEquals("prepared statement \"dup\" already exists", error.fields().get('M'));
            // Bind and Execute were skipped, as after any error: the next answer is ReadyForQuery.
            WireMessage ready = raw.read();
            assertEquals('Z', ready.type());
            assertEquals('I', (char) ready.body()[0]);
            // The first statement is still the session's, whichever connection comes next.
            raw.sendTyped('B', "\0dup\0\0\0\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('E', "\0\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('S', new byte[0]);
            assertEquals('2', raw.read().type());
            WireMessage row = raw.read();
            assertEquals('D', row.type());
            assertEquals("1", new String(row.body(), 6, 1, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals('C', raw.read().type());
            assertEquals('Z', raw.read().type());
        }
    }

    // --- preparing without a connection ---

    @Test
    void aStatementPostgresqlParsedAlreadyIsPreparedWhileEveryConnectionIsHeld() throws Exception {
        try (PgSteerServer proxy = trusting("size: 1, acquire_timeout: 20s");
             RawWireClient first = session(proxy); RawWireClient holder = session(proxy); RawWireClient late = session(proxy)) {
            first.parse("first", "SELECT 41 + 1 AS answer");
            first.sync();
            assertEquals(List.of("ParseComplete", "ReadyForQuery I"), first.readUntilReady());
            holder.sendQuery("BEGIN");
            assertEquals(List.of("CommandComplete BEGIN", "ReadyForQuery T"), holder.readUntilReady());

            // The only connection is in the holder's transaction. PQprepare (Parse, Sync) of the same
            // SQL under another name is answered at once: waiting would deadlock a client whose
            // thread also runs the holder (pgbench -M prepared, -c above -j).
            long start = System.nanoTime();
            late.parse("late", "SELECT 41 + 1 AS answer");
            late.sync();
            assertEquals(List.of("ParseComplete", "ReadyForQuery I"), late.readUntilReady());
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis < 2_000, "answered after " + tookMillis + " ms, as if it had waited for a connection");

            // Running it needs a connection: it waits for the holder's COMMIT, and runs there.
            late.bind("late");
            late.execute();
            late.sync();
            holder.sendQuery("COMMIT");
            assertEquals(List.of("CommandComplete COMMIT", "ReadyForQuery I"), holder.readUntilReady());
            assertEquals(List.of("BindComplete", "DataRow [42]", "CommandComplete SELECT 1", "ReadyForQuery I"),
                    late.readUntilReady());
        }
    }

    @Test
    void theUnnamedStatementOutlivesItsTransactionAsInPostgresql() throws Exception {
        // psql's \gdesc and libpq's PQprepare(conn, "", ...) then PQdescribePrepared/PQexecPrepared:
        // the unnamed statement lasts until the next unnamed Parse or simple Query, whichever
        // connection the session's next transaction runs on.
        try (PgSteerServer proxy = trusting("size: 2");
             RawWireClient mine = session(proxy); RawWireClient other = session(proxy)) {
            // Another session's unnamed statement, left on a pooled connection, is not this session's.
            other.parse("", "SELECT 'not yours' AS answer");
            other.sync();
            other.readUntilReady();
            mine.bind("");
            mine.execute();
            mine.sync();
            assertEquals(List.of("Error 26000 unnamed prepared statement does not exist", "ReadyForQuery I"), mine.readUntilReady());

            mine.parse("", "SELECT 6 * 7 AS answer");
            mine.sync();
            assertEquals(List.of("ParseComplete", "ReadyForQuery I"), mine.readUntilReady());
            // Another session parses its own unnamed statement on whatever connection it gets.
            other.parse("", "SELECT 'not yours' AS answer");
            other.sync();
            assertEquals(List.of("ParseComplete", "ReadyForQuery I"), other.readUntilReady());
            for (int round = 0; round < 3; round++) {
                mine.describeStatement("");
                mine.sync();
                assertEquals(List.of("ParameterDescription", "RowDescription", "ReadyForQuery I"), mine.readUntilReady());
                mine.bind("");
                mine.execute();
                mine.sync();
                assertEquals(List.of("BindComplete", "DataRow [42]", "CommandComplete SELECT 1", "ReadyForQuery I"),
                        mine.readUntilReady());
                other.sendQuery("SELECT 1");
                other.readUntilReady();
            }
            // A simple Query destroys it, as in PostgreSQL.
            mine.sendQuery("SELECT 1");
            mine.readUntilReady();
            mine.bind("");
            mine.execute();
            mine.sync();
            List<String> gone = mine.readUntilReady();
            assertTrue(gone.getFirst().contains("26000"), gone.toString());
        }
    }

    @Test
    void aStatementIsKnownValidOnlyUnderTheSearchPathItWasParsedUnder() throws Exception {
        try (Connection c = backend.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE scoped_items (id int)");
        }
        Map<String, String> elsewhere = Map.of("options", "-c search_path=nowhere");
        List<String> postgresql;
        try (RawWireClient direct = straightToPostgresql(elsewhere)) {
            direct.parse("count", "SELECT count(*) FROM scoped_items");
            direct.sync();
            postgresql = direct.readUntilReady();
        }
        assertEquals(List.of("Error 42P01 relation \"scoped_items\" does not exist", "ReadyForQuery I"), postgresql);
        try (PgSteerServer proxy = trusting("size: 2");
             RawWireClient inPublic = session(proxy); RawWireClient inNowhere = session(proxy, elsewhere)) {
            inPublic.parse("count", "SELECT count(*) FROM scoped_items");
            inPublic.sync();
            assertEquals(List.of("ParseComplete", "ReadyForQuery I"), inPublic.readUntilReady());
            // Valid under the default search_path says nothing of another: PostgreSQL decides, at the Parse.
            inNowhere.parse("count", "SELECT count(*) FROM scoped_items");
            inNowhere.sync();
            assertEquals(postgresql, inNowhere.readUntilReady());
        }
    }

    @Test
    void aTableDroppedThroughPgsteerMakesItsStatementsFailAtTheParseAsOnPostgresql() throws Exception {
        try (PgSteerServer proxy = trusting("size: 1");
             RawWireClient before = session(proxy); RawWireClient ddl = session(proxy); RawWireClient after = session(proxy)) {
            ddl.sendQuery("CREATE TABLE dropped_here (x int)");
            ddl.readUntilReady();
            before.parse("x", "SELECT x FROM dropped_here");
            before.sync();
            assertEquals(List.of("ParseComplete", "ReadyForQuery I"), before.readUntilReady());
            ddl.sendQuery("DROP TABLE dropped_here");
            assertEquals(List.of("CommandComplete DROP TABLE", "ReadyForQuery I"), ddl.readUntilReady());
            after.parse("x", "SELECT x FROM dropped_here");
            after.sync();
            assertEquals(List.of("Error 42P01 relation \"dropped_here\" does not exist", "ReadyForQuery I"), after.readUntilReady());
        }
    }

    /**
     * A DROP pgsteer does not see (another client straight to PostgreSQL) leaves the statement known:
     * the Parse is answered, and PostgreSQL's error comes at the Bind, as for a statement prepared
     * before the DROP. That failure teaches pgsteer: the next Parse is PostgreSQL's to judge.
     */
    @Test
    void aKnownStatementWhoseTableWasDroppedBehindPgsteerFailsAtItsBindWithPostgresqlsError() throws Exception {
        try (Connection c = backend.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE doomed (x int)");
        }
        try (PgSteerServer proxy = trusting("size: 1");
             RawWireClient before = session(proxy); RawWireClient after = session(proxy); RawWireClient last = session(proxy)) {
            before.parse("x", "SELECT x FROM doomed");
            before.sync();
            assertEquals(List.of("ParseComplete", "ReadyForQuery I"), before.readUntilReady());
            try (Connection c = backend.direct(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE doomed");
            }
            after.parse("x", "SELECT x FROM doomed");
            after.sync();
            assertEquals(List.of("ParseComplete", "ReadyForQuery I"), after.readUntilReady());
            after.bind("x");
            after.execute();
            after.sync();
            List<String> refused = List.of("Error 42P01 relation \"doomed\" does not exist", "ReadyForQuery I");
            assertEquals(refused, after.readUntilReady());

            last.parse("x", "SELECT x FROM doomed");
            last.sync();
            assertEquals(refused, last.readUntilReady());
            // The statement the client was told about stays its own, failing at each Bind as PostgreSQL's would.
            after.bind("x");
            after.execute();
            after.sync();
            assertEquals(refused, after.readUntilReady());
        }
    }

    /**
     * What pgbench -M prepared met under load: a Parse that pgsteer could not run (no connection came
     * free: 53300) prepared nothing, so the Bind that follows finds no statement, as after any failed
     * Parse on PostgreSQL. pgbench ignores PQprepare's error and binds anyway; since pgsteer prepares
     * known statements without a connection, it no longer meets the 53300 there.
     */
    @Test
    void aParseThatPgsteerCouldNotRunLeavesNoStatementBehind() throws Exception {
        try (PgSteerServer proxy = trusting("size: 1, acquire_timeout: 500ms");
             RawWireClient holder = session(proxy); RawWireClient unlucky = session(proxy)) {
            holder.sendQuery("BEGIN");
            holder.readUntilReady();
            unlucky.parse("lost", "SELECT 'parsed by no session yet'");
            unlucky.sync();
            List<String> failed = unlucky.readUntilReady();
            assertEquals(2, failed.size(), failed.toString());
            assertTrue(failed.getFirst().startsWith("Error 53300 "), failed.toString());
            holder.sendQuery("COMMIT");
            holder.readUntilReady();
            unlucky.bind("lost");
            unlucky.execute();
            unlucky.sync();
            assertEquals(List.of("Error 26000 prepared statement \"lost\" does not exist", "ReadyForQuery I"),
                    unlucky.readUntilReady());
        }
    }

    // --- DEALLOCATE ---

    /**
     * SQL DEALLOCATE of a statement the session prepared with the protocol, and what it leaves: the
     * same messages, answered as PostgreSQL answers them, whether the session holds a connection
     * (in a transaction) or not.
     */
    static List<List<String>> deallocations(RawWireClient raw) throws IOException {
        List<List<String>> seen = new ArrayList<>();
        raw.parse("mine", "SELECT 42");
        raw.sync();
        seen.add(raw.readUntilReady());
        seen.add(query(raw, "DEALLOCATE mine"));
        seen.add(bindAndRun(raw, "mine"));
        raw.parse("mine", "SELECT 43");
        raw.sync();
        seen.add(raw.readUntilReady());
        seen.add(bindAndRun(raw, "mine"));

        raw.parse("Mixed", "SELECT 1");
        raw.sync();
        seen.add(raw.readUntilReady());
        seen.add(query(raw, "DEALLOCATE Mixed"));
        seen.add(query(raw, "/* quoted */ DEALLOCATE PREPARE \"Mixed\" ;"));
        seen.add(query(raw, "DEALLOCATE nosuch"));

        raw.parse("kept", "SELECT 2");
        raw.sync();
        seen.add(raw.readUntilReady());
        seen.add(query(raw, "BEGIN"));
        seen.add(query(raw, "SELECT 1/0"));
        seen.add(query(raw, "DEALLOCATE kept"));
        seen.add(query(raw, "ROLLBACK"));
        seen.add(bindAndRun(raw, "kept"));
        seen.add(query(raw, "BEGIN"));
        seen.add(query(raw, "DEALLOCATE PREPARE kept"));
        seen.add(query(raw, "COMMIT"));
        seen.add(bindAndRun(raw, "kept"));

        raw.parse("closed", "SELECT 3");
        raw.closeStatement("closed");
        raw.sync();
        seen.add(raw.readUntilReady());
        seen.add(bindAndRun(raw, "closed"));

        raw.parse("a", "SELECT 4");
        raw.parse("b", "SELECT 5");
        raw.sync();
        seen.add(raw.readUntilReady());
        seen.add(query(raw, "DEALLOCATE ALL"));
        seen.add(bindAndRun(raw, "a"));
        seen.add(bindAndRun(raw, "b"));
        return seen;
    }

    @Test
    void sqlDeallocateOfTheSessionsStatementsIsAnsweredAsPostgresqlAnswersIt() throws Exception {
        List<List<String>> postgresql;
        try (RawWireClient direct = straightToPostgresql(Map.of())) {
            postgresql = deallocations(direct);
        }
        assertEquals(List.of("CommandComplete DEALLOCATE", "ReadyForQuery I"), postgresql.get(1));
        assertEquals(List.of("Error 26000 prepared statement \"mine\" does not exist", "ReadyForQuery I"), postgresql.get(2));
        try (PgSteerServer proxy = trusting("size: 1"); RawWireClient raw = session(proxy)) {
            assertEquals(postgresql, deallocations(raw));
        }
    }

    @Test
    void sqlDeallocateForgetsOnlyTheSessionsNameNotTheStatementOthersShare() throws Exception {
        try (PgSteerServer proxy = trusting("size: 1"); RawWireClient mine = session(proxy); RawWireClient theirs = session(proxy)) {
            mine.parse("s", "SELECT 'shared'");
            mine.sync();
            mine.readUntilReady();
            theirs.parse("t", "SELECT 'shared'");
            theirs.sync();
            theirs.readUntilReady();
            assertEquals(List.of("CommandComplete DEALLOCATE", "ReadyForQuery I"), query(mine, "DEALLOCATE s"));
            assertEquals(List.of("BindComplete", "DataRow [shared]", "CommandComplete SELECT 1", "ReadyForQuery I"),
                    bindAndRun(theirs, "t"));
        }
    }

    static List<String> query(RawWireClient raw, String sql) throws IOException {
        raw.sendQuery(sql);
        return raw.readUntilReady();
    }

    static List<String> bindAndRun(RawWireClient raw, String statement) throws IOException {
        raw.bind(statement);
        raw.execute();
        raw.sync();
        return raw.readUntilReady();
    }
}
