package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.runtime.ReloadOutcome;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.proxy.testkit.ShardedCluster;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The coordinator step's bounds and meters: {@code coordinator: { max_pulled_rows: 5 }} on the shard
 * map of {@link ShardedCluster}. A statement that pulls more than 5 rows from the shards other than
 * the coordinator (s0) fails with 54000 naming the table, the count and the setting, leaves no
 * temporary table and no leased connection, and the session goes on; one that pulls 5 is answered.
 * The rows and bytes pulled and the coordinated statements are counted exactly; a reload changes the limit.
 */
class CoordinatorLimitIT {
    static final String SETTING = "databases.shop.coordinator.max_pulled_rows";
    static ShardedCluster cluster;
    static MeterRegistry registry = new SimpleMeterRegistry();
    static Path file;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        cluster.proxy.close();
        file = Files.createTempDirectory("pgsteer-limit").resolve("shop.yaml");
        Files.writeString(file, yaml(5));
        cluster.proxy = new PgSteerServer(ConfigLoader.load(file), registry).decisionLog(cluster.decisionLog)
                .configFile(file).start();
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id bigint, customer_id bigint NOT NULL, status text)");
            StringBuilder rows = new StringBuilder();
            for (int id = 1; id <= 30; id++) {
                rows.append(id == 1 ? "" : ", ").append("(").append(id).append(", ").append(id).append(", '")
                        .append(List.of("new", "paid", "lost").get(id % 3)).append("')");
            }
            s.execute("INSERT INTO orders (id, customer_id, status) VALUES " + rows);
            s.execute("CREATE TABLE devices (id bigint NOT NULL, owner bigint NOT NULL)");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    static String yaml(long maxPulledRows) {
        StringBuilder backends = new StringBuilder();
        for (int i = 0; i < cluster.shards.size(); i++) {
            backends.append("  s").append(i).append(": { url: \"").append(cluster.shards.get(i).url()).append("\" }\n");
        }
        return """
                listen: 127.0.0.1:0
                http: off
                users:
                  app: { password: "app-secret" }
                backends:
                %sdatabases:
                  shop:
                    shards: [s0, s1, s2]
                    default_shard: s0
                    backend_database: appdb
                    pool: { size: 4 }
                    coordinator: { max_pulled_rows: %d }
                    tables:
                %s        gadgets:    { key: id, function: hash }
                """.formatted(backends, maxPulledRows, ShardedCluster.TABLES.indent(2));
    }

    static Connection connect() throws SQLException {
        Properties simple = new Properties();
        simple.setProperty("preferQueryMode", "simple");
        return connect(simple);
    }

    static Connection connect(Properties mode) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", "app-secret");
        props.setProperty("socketTimeout", "30");
        props.putAll(mode);
        return DriverManager.getConnection(Pgjdbc.url(cluster.proxy, "shop"), props);
    }

    static List<String> answer(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return MultiShardSelectIT.rows(rs);
        }
    }

    /** Rows of {@code table} on the shards other than the coordinator s0: what the step pulls. */
    static long pulledFrom(String table) throws SQLException {
        long rows = 0;
        for (int i = 1; i < 3; i++) {
            try (Connection shard = cluster.shard(i); Statement s = shard.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
                rs.next();
                rows += rs.getLong(1);
            }
        }
        return rows;
    }

    static void assertNothingLeftBehind() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (Connection shard = cluster.shard(i)) {
                assertEquals(List.of("count:int8 ", "0 | "), answer(shard,
                        "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"), "temporary tables on shard s" + i);
            }
        }
        // Connections go back to their pools when the unit ends, just before ReadyForQuery: allow that moment.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        double leased;
        do {
            leased = 0;
            for (String shard : List.of("s0", "s1", "s2")) {
                leased += registry.get("pgsteer.pool.active").tag("backend", shard).gauge().value();
            }
        } while (leased > 0 && System.nanoTime() < deadline);
        assertEquals(0, leased, "backend connections still leased");
    }

    /**
     * A larger table is pulled only for the key values of a smaller one that has conditions of its
     * own ({@code KeyLists}), once the catalog estimates both: 30 orders and 10 gadgets, gadgets 1 and
     * 2 owned by customers 4 and 5, so two gadgets and two orders are pulled, within the limit of 5.
     * Before ANALYZE the sizes are unknown: every order is pulled, past the limit.
     */
    @Test
    void aJoinedTableIsPulledOnlyForTheKeyValuesOfASmallerOne() throws Exception {
        String query = "SELECT count(DISTINCT o.status), min(g.id) FROM orders o, gadgets g WHERE o.customer_id = g.owner AND g.id <= 2";
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE gadgets (id bigint NOT NULL, owner bigint NOT NULL)");
            s.execute("INSERT INTO gadgets (id, owner) SELECT g, g + 3 FROM generate_series(1, 10) g");
            assertTrue(pulledFrom("orders") > 5, "the test needs more than 5 orders off the coordinator");
            SQLException unknown = assertThrows(SQLException.class, () -> answer(c, query));
            assertEquals("54000", unknown.getSQLState(), unknown.getMessage());
            s.execute("ANALYZE orders");
            s.execute("ANALYZE gadgets");
            // Customers 4 and 5 have orders 4 ('paid') and 5 ('lost').
            assertEquals(List.of("count:int8 min:int8 ", "2 | 1 | "), answer(c, query));
            // The same through a chain of equalities, and written as an inner JOIN ... ON.
            assertEquals(List.of("count:int8 ", "2 | "), answer(c,
                    "SELECT count(DISTINCT o.status) FROM gadgets g JOIN orders o ON g.owner = o.customer_id WHERE g.id IN (1, 2)"));
            // Inside a transaction (the coordinator apart): what it wrote is seen (gadget 2 now customer 7's: 'paid' too).
            c.setAutoCommit(false);
            s.execute("UPDATE gadgets SET owner = 7 WHERE id = 2");
            assertEquals(List.of("count:int8 min:int8 ", "1 | 1 | "), answer(c, query));
            c.rollback();
            c.setAutoCommit(true);
            s.execute("DROP TABLE gadgets");
        }
        assertNothingLeftBehind();
    }

    /**
     * Key lists reach a table named twice, a correlated subquery's table and an {@code IN (SELECT
     * ...)}'s: with the limit of 5, these pass only because orders is pulled for gadgets 1 and 2's
     * customers (4 and 5: orders 4 and 5), an occurrence correlated to orders itself on customer_id
     * taking the other's list on that column. Where one occurrence cannot be narrowed (correlated to
     * orders on another column) or the IN is negated, orders is pulled whole, past the limit.
     */
    @Test
    void correlatedAndInSubqueriesAndRepeatedTablesAreNarrowed() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE gadgets (id bigint NOT NULL, owner bigint NOT NULL)");
            s.execute("INSERT INTO gadgets (id, owner) SELECT g, g + 3 FROM generate_series(1, 10) g");
            s.execute("ANALYZE orders");
            s.execute("ANALYZE gadgets");
            assertTrue(pulledFrom("orders") > 5, "the test needs more than 5 orders off the coordinator");
            // TPC-H Q17's shape: orders twice, the subquery's occurrence correlated to gadgets.
            assertEquals(List.of("count:int8 ", "2 | "), answer(c, "SELECT count(*) FROM orders o, gadgets g WHERE o.customer_id = g.owner"
                    + " AND g.id <= 2 AND o.id >= (SELECT max(o2.id) FROM orders o2 WHERE o2.customer_id = g.owner)"));
            assertEquals(List.of("count:int8 ", "2 | "), answer(c,
                    "SELECT count(*) FROM orders WHERE customer_id IN (SELECT owner FROM gadgets WHERE id <= 2)"));
            assertEquals(List.of("count:int8 ", "1 | "), answer(c, "SELECT count(*) FROM gadgets g WHERE g.id <= 2"
                    + " AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = g.owner AND o.status = 'paid')"));
            // Q21's shape: o2 equals o on customer_id, so it takes o's list on that column.
            assertEquals(List.of("count:int8 ", "2 | "), answer(c, "SELECT count(*) FROM orders o, gadgets g WHERE o.customer_id = g.owner"
                    + " AND g.id <= 2 AND o.id >= (SELECT max(o2.id) FROM orders o2 WHERE o2.customer_id = o.customer_id)"));
            for (String whole : List.of(
                    "SELECT count(*) FROM orders o, gadgets g WHERE o.customer_id = g.owner AND g.id <= 2"
                            + " AND o.id >= (SELECT max(o2.id) FROM orders o2 WHERE o2.status = o.status)",
                    "SELECT count(*) FROM orders WHERE customer_id NOT IN (SELECT owner FROM gadgets WHERE id <= 2)")) {
                SQLException past = assertThrows(SQLException.class, () -> answer(c, whole), whole);
                assertEquals("54000", past.getSQLState(), past.getMessage());
            }
            s.execute("DROP TABLE gadgets");
        }
        assertNothingLeftBehind();
    }

    /**
     * An unsharded table (on the coordinator's shard) with a condition of its own is a key source:
     * orders is pulled only for its one owner, and through gadgets (pulled for that owner's gadgets,
     * a second round) orders for those gadgets' ids, gadgets' shard key (a third round); inside a
     * transaction block the owner's name as the transaction wrote it counts. Under an OR, or on the
     * nullable side of an outer join, the condition narrows nothing: past the limit.
     */
    @Test
    void anUnshardedTableWithConditionsNarrowsOverRounds() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE owners (id bigint NOT NULL, name text)");
            s.execute("INSERT INTO owners (id, name) VALUES (4, 'a'), (5, 'b'), (6, 'b')");
            s.execute("CREATE TABLE gadgets (id bigint NOT NULL, owner bigint NOT NULL)");
            s.execute("INSERT INTO gadgets (id, owner) SELECT g, g % 5 + 3 FROM generate_series(1, 10) g");
            s.execute("ANALYZE orders");
            s.execute("ANALYZE gadgets");
            s.execute("ANALYZE owners");
            assertEquals(List.of("count:int8 ", "1 | "), answer(c,
                    "SELECT count(*) FROM orders o, owners w WHERE o.customer_id = w.id AND w.name = 'a'"));
            assertEquals(List.of("count:int8 ", "2 | "), answer(c, "SELECT count(*) FROM orders o, gadgets g, owners w"
                    + " WHERE o.customer_id = g.id AND g.owner = w.id AND w.name = 'a'"));
            c.setAutoCommit(false);
            s.execute("UPDATE owners SET name = 'a' WHERE id = 5");
            assertEquals(List.of("count:int8 ", "2 | "), answer(c,
                    "SELECT count(*) FROM orders o, owners w WHERE o.customer_id = w.id AND w.name = 'a'"));
            c.rollback();
            c.setAutoCommit(true);
            for (String whole : List.of(
                    "SELECT count(*) FROM orders o, owners w WHERE o.customer_id = w.id AND (w.name = 'a' OR o.status = 'x')",
                    "SELECT count(*) FROM orders o LEFT JOIN owners w ON o.customer_id = w.id AND w.name = 'a'")) {
                SQLException past = assertThrows(SQLException.class, () -> answer(c, whole), whole);
                assertEquals("54000", past.getSQLState(), past.getMessage());
            }
            s.execute("DROP TABLE gadgets");
            s.execute("DROP TABLE owners");
        }
        assertNothingLeftBehind();
    }

    @Test
    void pastTheLimitTheStatementFailsNamingTableCountAndSettingAndTheSessionGoesOn() throws Exception {
        assertTrue(pulledFrom("orders") > 5, "the test needs more than 5 orders off the coordinator");
        try (Connection c = connect()) {
            for (int round = 0; round < 3; round++) {
                SQLException e = assertThrows(SQLException.class, () -> answer(c, "SELECT count(DISTINCT status) FROM orders"));
                assertEquals("54000", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("this statement pulled more than 5 rows to the coordinator (" + SETTING
                        + "): it had pulled 6 when it reached table public.orders of shard s"), e.getMessage());
                assertTrue(e.getMessage().contains("raise " + SETTING + " in pgsteer's configuration and reload (0 means no limit)"),
                        e.getMessage());
                assertEquals(List.of("count:int8 ", "30 | "), answer(c, "SELECT count(*) FROM orders"));
            }
        }
        assertNothingLeftBehind();
    }

    /**
     * Exactly at the limit passes, one more row fails: the rows are counted from the binary COPY
     * stream's frames (one per row, the header inside the first, the trailer alone), so this also
     * proves that framing on the PostgreSQL the tests run.
     */
    @Test
    void fiveRowsPassAndTheSixthFails() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM devices");
            long id = 0;
            while (pulledFrom("devices") < 5) {
                s.execute("INSERT INTO devices (id, owner) VALUES (" + ++id + ", " + id % 2 + ")");
            }
            assertEquals(List.of("count:int8 ", "2 | "), answer(c, "SELECT count(DISTINCT owner) FROM devices"));
            while (pulledFrom("devices") < 6) {
                s.execute("INSERT INTO devices (id, owner) VALUES (" + ++id + ", " + id % 2 + ")");
            }
            SQLException e = assertThrows(SQLException.class, () -> answer(c, "SELECT count(DISTINCT owner) FROM devices"));
            assertEquals("54000", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("it had pulled 6 when it reached table public.devices"), e.getMessage());
            s.execute("DELETE FROM devices");
            assertEquals(List.of("count:int8 ", "0 | "), answer(c, "SELECT count(DISTINCT owner) FROM devices"));
        }
        assertNothingLeftBehind();
    }

    /**
     * Binary COPY of the one column the statement names (owner bigint: the id column stays on the
     * shards): 19 bytes of header and 2 of trailer per pull, 2 + (4 + 8) per row.
     */
    @Test
    void rowsBytesAndCoordinatedStatementsAreCounted() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM devices");
            s.execute("INSERT INTO devices (id, owner) VALUES (1, 1), (2, 1), (3, 2)");
            long rows = pulledFrom("devices");
            double rowsBefore = counter("pgsteer.coordinator.pulled.rows");
            double bytesBefore = counter("pgsteer.coordinator.pulled.bytes");
            long statementsBefore = registry.get("pgsteer.statements").tag("database", "shop").tag("route", "coordinator").timer().count();

            assertEquals(List.of("count:int8 ", "2 | "), answer(c, "SELECT count(DISTINCT owner) FROM devices"));

            assertEquals(rows, counter("pgsteer.coordinator.pulled.rows") - rowsBefore);
            // Both shards' rows in one COPY: one header and one trailer.
            assertEquals((19 + 2) + rows * (2 + (4 + 8)), counter("pgsteer.coordinator.pulled.bytes") - bytesBefore);
            assertEquals(statementsBefore + 1,
                    registry.get("pgsteer.statements").tag("database", "shop").tag("route", "coordinator").timer().count());
        }
    }

    /**
     * A condition with the client's parameter is pulled by an extended-protocol query whose binary
     * DataRows become the COPY's rows: counted one by one, 5 pass and the sixth fails as with a COPY;
     * the bytes are the COPY data written (one header and trailer for both shards, and per row 2 + (4 +
     * 8) for owner and the id the condition reads).
     */
    @Test
    void aPullWithTheClientsParametersIsCountedRowByRow() throws Exception {
        String sql = "SELECT count(DISTINCT owner) FROM devices WHERE id > ?";
        Properties extended = new Properties();
        extended.setProperty("prepareThreshold", "1");
        try (Connection c = connect(extended); Statement s = c.createStatement()) {
            s.execute("DELETE FROM devices");
            long id = 0;
            while (pulledFrom("devices") < 5) {
                s.execute("INSERT INTO devices (id, owner) VALUES (" + ++id + ", " + id % 2 + ")");
            }
            double rowsBefore = counter("pgsteer.coordinator.pulled.rows");
            double bytesBefore = counter("pgsteer.coordinator.pulled.bytes");
            assertEquals(List.of("count:int8 ", "2 | "), prepared(c, sql, 0L));
            assertEquals(5, counter("pgsteer.coordinator.pulled.rows") - rowsBefore);
            assertEquals((19 + 2) + 5 * (2 + 2 * (4 + 8)), counter("pgsteer.coordinator.pulled.bytes") - bytesBefore);
            while (pulledFrom("devices") < 6) {
                s.execute("INSERT INTO devices (id, owner) VALUES (" + ++id + ", " + id % 2 + ")");
            }
            for (int round = 0; round < 2; round++) {
                SQLException e = assertThrows(SQLException.class, () -> prepared(c, sql, 0L));
                assertEquals("54000", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("it had pulled 6 when it reached table public.devices"), e.getMessage());
                // The condition leaves one row on the shards: under the limit again.
                assertEquals(List.of("count:int8 ", "2 | "), prepared(c, sql, 1L));
            }
            s.execute("DELETE FROM devices");
        }
        assertNothingLeftBehind();
    }

    static List<String> prepared(Connection c, String sql, long parameter) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setLong(1, parameter);
            try (ResultSet rs = p.executeQuery()) {
                return MultiShardSelectIT.rows(rs);
            }
        }
    }

    /** EXPLAIN ROUTE shows the step without running it: nothing is pulled. */
    @Test
    void explainRouteShowsTheStepAndPullsNothing() throws Exception {
        try (Connection c = connect()) {
            double rowsBefore = counter("pgsteer.coordinator.pulled.rows");
            assertEquals(List.of(
                    "shards:text answer:text reason:text ",
                    "s0, s1, s2 | coordinator | pgsteer cannot merge count(DISTINCT ...) over several shards (tables orders); "
                            + "give the shard key so it runs on one shard; the coordinator step runs it on s0 over the rows "
                            + "of orders pulled from every shard | ",
                    "s0 | creates | BEGIN; CREATE TEMP TABLE orders (<the columns of orders the statement names>) ON COMMIT DROP; "
                            + "INSERT INTO pg_temp.orders SELECT <the columns of orders the statement names> FROM orders | ",
                    "s1 | pulled into s0 | COPY (SELECT <the columns of orders the statement names> FROM orders) TO STDOUT (FORMAT binary) | ",
                    "s2 | pulled into s0 | COPY (SELECT <the columns of orders the statement names> FROM orders) TO STDOUT (FORMAT binary) | ",
                    "s0 | runs | SELECT count(DISTINCT status) FROM orders | ",
                    "s0 | ends | ROLLBACK | "), answer(c, "EXPLAIN ROUTE SELECT count(DISTINCT status) FROM orders"));
            assertEquals(rowsBefore, counter("pgsteer.coordinator.pulled.rows"));
        }
    }

    @Test
    void aReloadChangesTheLimitForTheNextStatement() throws Exception {
        try (Connection c = connect()) {
            assertEquals("54000", assertThrows(SQLException.class,
                    () -> answer(c, "SELECT count(DISTINCT status) FROM orders")).getSQLState());
            try {
                reload(0);
                assertEquals(List.of("count:int8 ", "3 | "), answer(c, "SELECT count(DISTINCT status) FROM orders"));
            } finally {
                reload(5);
            }
            assertEquals("54000", assertThrows(SQLException.class,
                    () -> answer(c, "SELECT count(DISTINCT status) FROM orders")).getSQLState());
        }
    }

    static void reload(long maxPulledRows) throws Exception {
        Files.writeString(file, yaml(maxPulledRows));
        ReloadOutcome.Applied applied = assertInstanceOf(ReloadOutcome.Applied.class, cluster.proxy.reload().get(30, TimeUnit.SECONDS));
        assertEquals(List.of("databases ~shop"), applied.changes());
    }

    static double counter(String name) {
        return registry.get(name).tag("database", "shop").counter().count();
    }
}
