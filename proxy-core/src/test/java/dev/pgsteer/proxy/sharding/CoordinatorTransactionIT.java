package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The coordinator step inside transaction blocks (explicit BEGIN, or the implicit transaction of a
 * multi-statement Query): the statement sees what the transaction wrote (on every shard, in
 * unsharded and reference tables) and its snapshot, a failure aborts the transaction as
 * PostgreSQL's does, and the transaction goes on and commits with two-phase commit. Every answer is
 * compared with one PostgreSQL holding all the rows ({@code orders_all}, {@code notes_all},
 * {@code currencies_all} on s0), which runs the same statements in the same transactions.
 */
class CoordinatorTransactionIT {
    static ShardedCluster cluster;
    /** A customer whose orders are on shard s0, s1, s2. */
    static final long[] CUSTOMER_ON = new long[3];

    static final List<String> QUERIES = List.of(
            "SELECT count(DISTINCT status), count(*), sum(total) FROM {t}",
            "SELECT id, customer_id, rank() OVER (ORDER BY total NULLS FIRST, id) FROM {t} ORDER BY id",
            "SELECT customer_id, count(DISTINCT qty) FROM {t} GROUP BY customer_id ORDER BY customer_id");

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        StringBuilder rows = new StringBuilder();
        String[] statuses = {"new", "paid", "shipped", "lost", null};
        for (int id = 1; id <= 40; id++) {
            String status = statuses[id % 5];
            rows.append(rows.isEmpty() ? "" : ", ").append("(").append(id).append(", ").append(id % 11 + 1).append(", ")
                    .append(status == null ? "NULL" : "'" + status + "'").append(", ")
                    .append(id % 7 == 0 ? "NULL" : (id * 37 % 101) + ".25").append(", ").append(id % 6).append(")");
        }
        String orders = "(id bigint, customer_id bigint NOT NULL, status text, total numeric, qty int, PRIMARY KEY (customer_id, id))";
        String notes = "(customer_id bigint, note text)";
        String currencies = "(code text PRIMARY KEY, rate numeric)";
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders " + orders);
            s.execute("INSERT INTO orders (id, customer_id, status, total, qty) VALUES " + rows);
            s.execute("CREATE TABLE notes " + notes);
            s.execute("INSERT INTO notes VALUES (1, 'first'), (2, 'second')");
            s.execute("CREATE TABLE currencies " + currencies);
            s.execute("INSERT INTO currencies VALUES ('EUR', 1), ('USD', 0.9)");
            s.execute("CREATE SEQUENCE tickets");
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders_all " + orders);
            s.execute("INSERT INTO orders_all (id, customer_id, status, total, qty) VALUES " + rows);
            s.execute("CREATE TABLE notes_all " + notes);
            s.execute("INSERT INTO notes_all VALUES (1, 'first'), (2, 'second')");
            s.execute("CREATE TABLE currencies_all " + currencies);
            s.execute("INSERT INTO currencies_all VALUES ('EUR', 1), ('USD', 0.9)");
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

    /** After every case: nothing left behind on any shard, neither a prepared transaction nor a temporary table. */
    @AfterEach
    void nothingLeft() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (Connection shard = cluster.shard(i)) {
                assertEquals(List.of("count:int8 ", "0 | "), CoordinatorIT.answer(shard, "SELECT count(*) FROM pg_prepared_xacts"),
                        "prepared transactions on s" + i);
                waitFor(shard, "SELECT count(*) = 0 FROM pg_class WHERE relpersistence = 't' AND relname IN ('orders', 'notes', 'currencies')",
                        "temporary tables left on s" + i);
            }
        }
    }

    /** A session through pgsteer and one on the PostgreSQL that holds every row, run side by side. */
    record Pair(Connection steer, Connection ref) implements AutoCloseable {
        static Pair open() throws SQLException {
            return new Pair(cluster.connect(CoordinatorIT.simple()), cluster.shard(0));
        }

        static String steered(String sql) {
            return sql.replace("{t}", "orders").replace("{n}", "notes").replace("{c}", "currencies");
        }

        static String referenced(String sql) {
            return sql.replace("{t}", "orders_all").replace("{n}", "notes_all").replace("{c}", "currencies_all");
        }

        /** A statement whose answer does not matter (a write, transaction control), run on both. */
        void run(String sql) throws SQLException {
            try (Statement s = steer.createStatement()) {
                s.execute(steered(sql));
            }
            try (Statement s = ref.createStatement()) {
                s.execute(referenced(sql));
            }
        }

        /** A query: pgsteer answers what PostgreSQL answers. */
        void same(String query) throws SQLException {
            assertEquals(CoordinatorIT.answer(ref, referenced(query)), CoordinatorIT.answer(steer, steered(query)), query);
        }

        void sameAll() throws SQLException {
            for (String query : QUERIES) {
                same(query);
            }
        }

        /** A statement that fails on both, with the same SQLSTATE; returns pgsteer's error. */
        SQLException sameError(String sql) {
            SQLException expected = assertThrows(SQLException.class, () -> CoordinatorIT.answer(ref, referenced(sql)), sql);
            SQLException actual = assertThrows(SQLException.class, () -> CoordinatorIT.answer(steer, steered(sql)), sql);
            assertEquals(expected.getSQLState(), actual.getSQLState(), actual.getMessage());
            return actual;
        }

        @Override
        public void close() throws SQLException {
            steer.close();
            ref.close();
        }
    }

    static String insertOn(int shard, long id) {
        return "INSERT INTO {t} (id, customer_id, status, total, qty) VALUES (" + id + ", " + CUSTOMER_ON[shard]
                + ", 'tx-" + id + "', " + id + ".5, " + (id % 4) + ")";
    }

    static long decisions() throws Exception {
        return Files.readAllLines(cluster.decisionLog).stream().filter(line -> line.startsWith("COMMIT ")).count();
    }

    static long countOn(int shard, String where) throws SQLException {
        try (Connection c = cluster.shard(shard); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM orders WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void waitFor(Connection c, String condition, String what) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(condition)) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return;
                }
            }
            assertTrue(System.nanoTime() < until, what);
            Thread.sleep(100);
        }
    }

    @Test
    void writesOnTwoShardsAreSeenThenCommitInTwoPhases() throws Exception {
        try (Pair p = Pair.open()) {
            p.run("BEGIN");
            p.run(insertOn(1, 1001));
            p.run(insertOn(2, 1002));
            p.sameAll();
            // The transaction goes on after the step: more writes, on the default shard too.
            p.run(insertOn(0, 1003));
            p.run("UPDATE {t} SET qty = qty + 1 WHERE id >= 1001");
            p.sameAll();
            long before = decisions();
            p.run("COMMIT");
            assertEquals(before + 1, decisions(), "the commit took two phases");
        }
        long[] committedOn = {1003, 1001, 1002};
        for (int i = 0; i < 3; i++) {
            assertEquals(1, countOn(i, "id = " + committedOn[i]), "committed on s" + i);
        }
        try (Pair p = Pair.open()) {
            p.sameAll();
            p.run("DELETE FROM {t} WHERE id >= 1000");
        }
    }

    @Test
    void writesOnTwoShardsAreSeenThenRolledBack() throws Exception {
        try (Pair p = Pair.open()) {
            p.run("BEGIN");
            p.run(insertOn(1, 2001));
            p.run(insertOn(2, 2002));
            p.run("DELETE FROM {t} WHERE id = 1");
            p.sameAll();
            p.run("ROLLBACK");
            p.sameAll();
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(0, countOn(i, "id >= 2000"), "nothing on s" + i);
        }
    }

    @Test
    void anErrorInTheCoordinatedStatementAbortsTheTransaction() throws Exception {
        try (Pair p = Pair.open()) {
            p.run("BEGIN");
            p.run(insertOn(1, 3001));
            p.sameError("SELECT count(DISTINCT no_such_column) FROM {t}");
            assertEquals("25P02", p.sameError("SELECT count(*) FROM {t}").getSQLState());
            assertEquals("25P02", p.sameError("SELECT count(DISTINCT status) FROM {t}").getSQLState());
            p.run("ROLLBACK");
            p.sameAll();
            // COMMIT of a failed transaction rolls it back: a division by zero on the coordinator this time.
            p.run("BEGIN");
            p.run(insertOn(2, 3002));
            p.sameError("SELECT count(DISTINCT status) / 0 FROM {t}");
            p.run("COMMIT");
            p.sameAll();
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(0, countOn(i, "id >= 3000"), "nothing committed on s" + i);
        }
    }

    @Test
    void repeatableReadSeesItsOwnSnapshot() throws Exception {
        try (Pair p = Pair.open(); Pair other = Pair.open()) {
            p.run("BEGIN ISOLATION LEVEL REPEATABLE READ");
            // The snapshot is taken on every shard (and on the reference) by a first read.
            p.same("SELECT count(*) FROM {t}");
            other.run(insertOn(1, 4001));
            other.run(insertOn(2, 4002));
            other.run("INSERT INTO {n} VALUES (" + CUSTOMER_ON[1] + ", 'later')");
            p.sameAll();
            p.same("SELECT count(DISTINCT o.status), count(n.note) FROM {t} o LEFT JOIN {n} n ON n.customer_id = o.customer_id");
            p.run("COMMIT");
            p.sameAll();
            other.run("DELETE FROM {t} WHERE id >= 4000");
            other.run("DELETE FROM {n} WHERE note = 'later'");
        }
    }

    @Test
    void readOnlyTransactionsAreAnswered() throws Exception {
        try (Pair p = Pair.open()) {
            p.run("BEGIN READ ONLY");
            p.sameAll();
            // A SELECT that would write fails as in PostgreSQL, here on the coordinator's read-only transaction.
            assertEquals("25006", p.sameError("SELECT count(DISTINCT status), nextval('tickets') FROM {t}").getSQLState());
            p.run("ROLLBACK");
            p.run("BEGIN");
            p.run("SET TRANSACTION READ ONLY");
            p.sameAll();
            p.run("COMMIT");
            p.run("SET default_transaction_read_only = on");
            p.run("BEGIN");
            p.sameAll();
            p.run("COMMIT");
            // Outside a block too: each statement is its own read-only transaction.
            p.sameAll();
            p.run("RESET default_transaction_read_only");
        }
    }

    @Test
    void aSavepointRolledBackTakesItsWritesAwayFromTheStep() throws Exception {
        try (Pair p = Pair.open()) {
            p.run("BEGIN");
            p.run(insertOn(1, 5001));
            p.run("SAVEPOINT a");
            p.run(insertOn(2, 5002));
            p.sameAll();
            p.run("ROLLBACK TO SAVEPOINT a");
            p.sameAll();
            p.run("SAVEPOINT b");
            p.sameError("SELECT count(DISTINCT nope) FROM {t}");
            p.run("ROLLBACK TO SAVEPOINT b");
            p.run(insertOn(0, 5003));
            p.sameAll();
            long before = decisions();
            p.run("COMMIT");
            assertEquals(before + 1, decisions(), "the commit took two phases");
            p.sameAll();
            p.run("DELETE FROM {t} WHERE id >= 5000");
        }
    }

    @Test
    void theImplicitTransactionOfAMultiStatementQuery() throws Exception {
        try (Pair p = Pair.open()) {
            String both = insertOn(1, 6001) + "; " + insertOn(2, 6002) + "; SELECT count(DISTINCT status), count(*) FROM {t}";
            assertEquals(results(p.ref(), Pair.referenced(both)), results(p.steer(), Pair.steered(both)));
            p.sameAll();
            // A failure in the step rolls the whole string back, as PostgreSQL's implicit transaction does.
            String failing = insertOn(1, 6003) + "; SELECT count(DISTINCT nope) FROM {t}";
            SQLException e = assertThrows(SQLException.class, () -> results(p.steer(), Pair.steered(failing)));
            assertEquals("42703", e.getSQLState(), e.getMessage());
            assertThrows(SQLException.class, () -> results(p.ref(), Pair.referenced(failing)));
            p.sameAll();
            p.run("DELETE FROM {t} WHERE id >= 6000");
        }
        assertEquals(0, countOn(1, "id = 6003"));
    }

    /** Every result of a multi-statement string: update counts and rows. */
    static List<String> results(Connection c, String sql) throws SQLException {
        List<String> results = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            boolean rows = s.execute(sql);
            while (true) {
                if (rows) {
                    try (ResultSet rs = s.getResultSet()) {
                        results.addAll(MultiShardSelectIT.rows(rs));
                    }
                } else if (s.getUpdateCount() == -1) {
                    return results;
                } else {
                    results.add("updated " + s.getUpdateCount());
                }
                rows = s.getMoreResults();
            }
        }
    }

    @Test
    void writesToUnshardedAndReferenceTablesAreSeen() throws Exception {
        String joined = "SELECT count(DISTINCT o.status), string_agg(DISTINCT n.note, ',' ORDER BY n.note), count(c.code)"
                + " FROM {t} o JOIN {n} n ON n.customer_id = o.customer_id LEFT JOIN {c} c ON c.code = n.note";
        try (Pair p = Pair.open()) {
            p.run("BEGIN");
            p.same(joined);
            p.run("INSERT INTO {n} VALUES (" + CUSTOMER_ON[1] + ", 'CHF'), (" + CUSTOMER_ON[2] + ", 'third')");
            p.run("INSERT INTO {c} VALUES ('CHF', 1.05)");
            p.run("DELETE FROM {n} WHERE note = 'first'");
            p.same(joined);
            p.run("ROLLBACK");
            p.same(joined);
        }
    }

    @Test
    void theSessionsSettingsReachTheCoordinator() throws Exception {
        try (Pair p = Pair.open()) {
            p.run("SET IntervalStyle = 'postgres_verbose'");
            p.run("BEGIN");
            p.run("SET LOCAL TimeZone = 'Asia/Tokyo'");
            p.run("SET LOCAL app.qty = '3'");
            p.run("SET LOCAL extra_float_digits = -2");
            String query = "SELECT count(DISTINCT status), (timestamptz '2025-03-01 12:00+00' + count(*) * interval '1 hour')::text,"
                    + " (count(*) * interval '1 hour 3 minutes')::text,"
                    + " sum(total)::float8 / 3 FROM {t} WHERE qty = current_setting('app.qty')::int";
            p.same(query);
            p.run("COMMIT");
            p.run("RESET IntervalStyle");
        }
        try (Pair p = Pair.open(); Statement steer = p.steer().createStatement()) {
            // A search_path set inside the transaction: the tables resolve as the session's do. The
            // schema is made on every shard (DDL), its rows on the default shard, where the reference is.
            steer.execute("CREATE SCHEMA elsewhere");
            steer.execute("CREATE TABLE elsewhere.notes (customer_id bigint, note text)");
            steer.execute("INSERT INTO elsewhere.notes VALUES (" + CUSTOMER_ON[2] + ", 'elsewhere')");
            p.run("BEGIN");
            p.run("SET LOCAL search_path = elsewhere, public");
            p.same("SELECT count(DISTINCT o.status), string_agg(DISTINCT n.note, ',') FROM {t} o JOIN notes n ON n.customer_id = o.customer_id");
            p.run("ROLLBACK");
            steer.execute("DROP SCHEMA elsewhere CASCADE");
        }
    }

    /**
     * EXPLAIN ROUTE inside a transaction block shows what running would do there: the connection
     * apart, every shard's rows (the default shard's too) and the unsharded table pulled over the
     * session's links; it runs nothing, so the transaction goes on and commits as it would have.
     */
    @Test
    void explainRouteInsideATransactionShowsTheConnectionApart() throws Exception {
        String query = "SELECT count(DISTINCT o.status) FROM orders o JOIN notes n ON n.customer_id = o.customer_id";
        try (Connection c = cluster.connect(CoordinatorIT.simple()); Statement s = c.createStatement()) {
            List<String> outside = CoordinatorIT.answer(c, "EXPLAIN ROUTE " + query);
            s.execute("BEGIN");
            List<String> inside = CoordinatorIT.answer(c, "EXPLAIN ROUTE " + query);
            s.execute("COMMIT");
            // The unsharded notes is a key-list source for orders (an inner join on customer_id): "narrows by joins".
            assertEquals(List.of("shards:text answer:text reason:text ", "coordinator", "creates", "pulled into s0",
                    "pulled into s0", "narrows by joins", "runs", "ends"), steps(outside));
            assertEquals(List.of("shards:text answer:text reason:text ", "coordinator", "creates", "pulled into s0 (apart)",
                    "pulled into s0 (apart)", "pulled into s0 (apart)", "pulled into s0 (apart)", "narrows by joins", "runs", "ends"), steps(inside));
            assertTrue(inside.get(2).startsWith("s0 (apart) | creates | BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;"),
                    inside.get(2));
            assertTrue(inside.contains("s0 | pulled into s0 (apart) | COPY (SELECT * FROM notes) TO STDOUT (FORMAT binary) | "),
                    String.join("\n", inside));
            assertTrue(inside.getLast().startsWith("s0 (apart) | ends | ROLLBACK (the connection apart"), inside.getLast());
        }
    }

    /** The header, then each row's second column. */
    private static List<String> steps(List<String> rows) {
        List<String> steps = new java.util.ArrayList<>(List.of(rows.getFirst()));
        rows.subList(1, rows.size()).forEach(row -> steps.add(row.split(" \\| ")[1]));
        return steps;
    }

    /** Inside a transaction block, an unsharded or a sharded table named with its schema is read as the transaction sees it. */
    @Test
    void tablesNamedWithTheirSchemaAreReadAsTheTransactionSeesThem() throws Exception {
        String query = "SELECT count(DISTINCT o.status), string_agg(DISTINCT n.note, ',' ORDER BY n.note)"
                + " FROM public.{t} o JOIN public.{n} n ON n.customer_id = o.customer_id";
        try (Pair p = Pair.open()) {
            p.run("BEGIN");
            p.run("INSERT INTO {n} VALUES (" + CUSTOMER_ON[1] + ", 'in-tx')");
            p.run(insertOn(2, 9101));
            p.same(query);
            p.run("ROLLBACK");
            p.same(query);
        }
    }

    @Test
    void aClientThatLeavesMidStepLeavesNothingBehind() throws Exception {
        Connection c = cluster.connect(CoordinatorIT.simple());
        Statement s = c.createStatement();
        s.execute("BEGIN");
        s.execute(Pair.steered(insertOn(1, 7001)));
        s.execute(Pair.steered(insertOn(2, 7002)));
        CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
            try {
                s.executeQuery("SELECT count(DISTINCT status), pg_sleep(3) FROM orders").close();
            } catch (SQLException expected) {
                // The connection goes away under it.
            }
        });
        try (Connection s0 = cluster.shard(0)) {
            waitFor(s0, "SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()",
                    "the statement runs on the coordinator");
            c.abort(Runnable::run);
            running.get(10, TimeUnit.SECONDS);
            waitFor(s0, "SELECT count(*) = 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()",
                    "the coordinator's statement ended");
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(0, countOn(i, "id >= 7000"), "nothing committed on s" + i);
        }
        // Every connection went back or was closed: the pools (4 a shard) serve new sessions.
        for (int round = 0; round < 6; round++) {
            try (Pair p = Pair.open()) {
                p.run("BEGIN");
                p.sameAll();
                p.run("COMMIT");
            }
        }
    }
}
