package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * The coordinator step: SELECTs on several shards that pgsteer cannot merge (count(DISTINCT x),
 * window functions, set operations, subqueries, expressions over aggregates) run whole on the
 * default shard over every shard's rows pulled into temporary tables, and answer exactly as one
 * PostgreSQL holding all the rows ({@code orders_all} on s0). Simple protocol, outside a transaction
 * block (inside one: {@link CoordinatorTransactionIT}): what this step does not handle is refused
 * with 0A000, and no temporary table outlives the statement on any path.
 */
class CoordinatorIT {
    static ShardedCluster cluster;

    static final List<String> QUERIES = List.of(
            "SELECT count(DISTINCT status) FROM {t}",
            "SELECT count(DISTINCT status), count(DISTINCT qty), count(*) FROM {t} WHERE customer_id IN (1, 2, 3, 4)",
            "SELECT id, rank() OVER (ORDER BY total NULLS FIRST, id) FROM {t} ORDER BY id",
            "SELECT customer_id, id, sum(total) OVER (PARTITION BY customer_id ORDER BY id) FROM {t} ORDER BY customer_id, id",
            "SELECT status, string_agg(id::text, ',' ORDER BY id) FROM {t} GROUP BY status ORDER BY status NULLS FIRST",
            "SELECT count(DISTINCT day) FROM {t} WHERE id < 0",
            "SELECT id FROM {t} WHERE customer_id < 5 UNION SELECT id FROM {t} WHERE qty = 3 ORDER BY id",
            "SELECT id, total FROM {t} WHERE total > (SELECT avg(total) FROM {t}) ORDER BY id",
            "SELECT id FROM {t} ORDER BY total NULLS FIRST, id FETCH FIRST 5 ROWS ONLY",
            "SELECT avg(total)::numeric(10,2), stddev(total), percentile_cont(0.5) WITHIN GROUP (ORDER BY total) FROM {t}",
            "SELECT status, n FROM (SELECT status, count(*) AS n FROM {t} GROUP BY status) s ORDER BY status NULLS FIRST",
            // Merged in the proxy: equal numerics in different scales are one group.
            "SELECT count(*), sum(qty) FROM {t} WHERE total = 7 GROUP BY total",
            // Pulls narrowed to the columns named and the conditions on the table's own row, or whole.
            "SELECT count(DISTINCT o) FROM {t} o WHERE total > 10",
            "SELECT count(DISTINCT t.*), count(DISTINCT t.status) FROM {t} t WHERE t.qty > 2",
            "SELECT count(DISTINCT status) FROM {t} WHERE status IN ('new', 'paid') AND qty > 1 AND day >= date '2025-01-05'",
            "SELECT count(DISTINCT total), max(day) FROM {t} WHERE coalesce(qty, 0) BETWEEN 1 AND 4 OR status IS NULL",
            "SELECT id, lag(total) OVER (ORDER BY id) FROM {t} WHERE NOT (status = 'lost') ORDER BY id",
            "SELECT v.status, count(DISTINCT id) FROM {t} JOIN (VALUES ('new'), ('lost')) v(status) USING (status)"
                    + " WHERE qty <> 2 GROUP BY v.status ORDER BY 1",
            "SELECT count(DISTINCT x.status) FROM (VALUES (1)) one(n) LEFT JOIN {t} x ON x.qty = one.n WHERE x.total > 20",
            // An OR of AND-groups over two tables: orders pulled where (total > 10) OR (total < 5 AND qty > 1).
            "SELECT count(DISTINCT o.status), count(*) FROM {t} o JOIN (VALUES (1, 'a'), (2, 'b'), (3, 'a')) v(q, tag) ON v.q = o.qty"
                    + " WHERE (o.total > 10 AND v.tag = 'a') OR (o.total < 5 AND o.qty > 1 AND v.tag = 'b')",
            "SELECT count(DISTINCT status) FROM {t} WHERE qty = (SELECT max(n) FROM (VALUES (3), (4)) v(n) WHERE n < day - date '2025-01-01')");

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
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
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (" + columns + ")");
            s.execute("INSERT INTO orders (id, customer_id, status, total, qty, day) VALUES " + rows);
        }
        // One value in three scales, on several shards: one group for PostgreSQL (and for the merge).
        rows.append(", (61, 1, 'paid', 7.0, 1, '2025-01-01'), (62, 2, 'paid', 7.00, 1, '2025-01-01'),"
                + " (63, 3, 'paid', 7.000, 1, '2025-01-01')");
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO orders (id, customer_id, status, total, qty, day) VALUES (61, 1, 'paid', 7.0, 1, '2025-01-01'),"
                    + " (62, 2, 'paid', 7.00, 1, '2025-01-01'), (63, 3, 'paid', 7.000, 1, '2025-01-01')");
        }
        try (Connection c = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders_all (" + columns + ")");
            s.execute("INSERT INTO orders_all (id, customer_id, status, total, qty, day) VALUES " + rows);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    static Properties simple() {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return props;
    }

    static List<String> answer(Connection c, String query) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return MultiShardSelectIT.rows(rs);
        }
    }

    @Test
    void answersEqualOnePostgresHoldingAllRows() throws SQLException {
        try (Connection c = cluster.connect(simple()); Connection direct = cluster.shard(0)) {
            for (int round = 0; round < 2; round++) {
                for (String query : QUERIES) {
                    assertEquals(answer(direct, query.replace("{t}", "orders_all")), answer(c, query.replace("{t}", "orders")), query);
                }
            }
        }
    }

    /**
     * A session that made a temporary table itself (its server connection's temporary buffers are then
     * fixed at their size, 8 MB, which the coordinator's raise to 64 MB cannot change: 22023, caught)
     * is still answered, and its own table is left as it was.
     */
    @Test
    void aSessionWithItsOwnTemporaryTableIsStillAnswered() throws SQLException {
        String query = "SELECT status, count(DISTINCT qty) FROM {t} WHERE total > 5 GROUP BY status ORDER BY status NULLS FIRST";
        try (Connection c = cluster.connect(simple()); Connection direct = cluster.shard(0); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE mine (a int)");
            s.execute("INSERT INTO mine VALUES (1)");
            for (int round = 0; round < 2; round++) {
                assertEquals(answer(direct, query.replace("{t}", "orders_all")), answer(c, query.replace("{t}", "orders")));
            }
            try (ResultSet rs = s.executeQuery("SELECT a, current_setting('temp_buffers') FROM mine")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1));
                assertEquals("8MB", rs.getString(2));
            }
        }
    }

    /** COPY of such a query runs on the coordinator too: its CopyData is PostgreSQL's own. */
    @Test
    void copyOfAQueryTheProxyCannotMergeIsAnswered() throws Exception {
        String query = "COPY (SELECT status, count(DISTINCT qty), string_agg(id::text, ',' ORDER BY id) FROM {t}"
                + " WHERE total > 5 GROUP BY status ORDER BY status NULLS FIRST) TO STDOUT (FORMAT csv)";
        try (Connection c = cluster.connect(simple()); Connection direct = cluster.shard(0)) {
            assertEquals(copyOut(direct, query.replace("{t}", "orders_all")), copyOut(c, query.replace("{t}", "orders")));
            // Rows the proxy would merge for a SELECT pass a COPY unmerged: once per shard, were they not coordinated.
            for (String merged : List.of("COPY (SELECT count(*), sum(total) FROM {t}) TO STDOUT",
                    "COPY (SELECT id FROM {t} ORDER BY id DESC LIMIT 5) TO STDOUT", "COPY (SELECT DISTINCT qty FROM {t} ORDER BY 1) TO STDOUT")) {
                assertEquals(copyOut(direct, merged.replace("{t}", "orders_all")), copyOut(c, merged.replace("{t}", "orders")), merged);
            }
        }
    }

    static String copyOut(Connection c, String sql) throws Exception {
        StringWriter out = new StringWriter();
        c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, out);
        return out.toString();
    }

    @Test
    void noTemporaryTableOutlivesTheStatementOnAnyPath() throws SQLException {
        try (Connection c = cluster.connect(simple())) {
            SQLException e = assertThrows(SQLException.class, () -> answer(c, "SELECT count(DISTINCT no_such_column) FROM orders"));
            assertEquals("42703", e.getSQLState(), e.getMessage());
            assertEquals(List.of("count:int8 ", "63 | "), answer(c, "SELECT count(*) FROM orders"));
            assertEquals(List.of("count:int8 ", "2 | "), answer(c, "SELECT count(DISTINCT status) FROM orders WHERE id IN (1, 2)"));
            assertEquals(List.of("count:int8 ", "63 | "), answer(c, "SELECT count(*) FROM orders"));
        }
        for (int i = 0; i < 3; i++) {
            try (Connection shard = cluster.shard(i)) {
                assertEquals(List.of("count:int8 ", "0 | "), answer(shard,
                        "SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND relname = 'orders'"), "shard s" + i);
            }
        }
    }

    /**
     * The trap: a transaction that touched temporary objects cannot PREPARE TRANSACTION. The
     * coordinator's tables live in a transaction of their own, ended before the connection goes
     * back, so a change on several shards after it still commits with two-phase commit.
     */
    @Test
    void aChangeOnSeveralShardsAfterTheStepStillCommitsInTwoPhases() throws SQLException {
        try (Connection c = cluster.connect(simple()); Statement s = c.createStatement()) {
            for (int round = 0; round < 3; round++) {
                assertEquals(List.of("count:int8 ", "4 | "), answer(c, "SELECT count(DISTINCT status) FROM orders"));
                c.setAutoCommit(false);
                // Every shard, the coordinator's included: the commit prepares on each.
                assertEquals(63, s.executeUpdate("UPDATE orders SET qty = qty"));
                c.commit();
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * A sharded table named with its schema is read from the coordinator's temporary table
     * (public.orders as pg_temp.orders), in both protocols, narrowed pulls included; a qualifier that
     * is not the table's schema cannot be exact and is refused, and the session goes on.
     */
    @Test
    void aShardedTableNamedWithItsSchemaIsReadFromThePulledRows() throws SQLException {
        List<String> queries = List.of(
                "SELECT count(DISTINCT status) FROM public.{t}",
                "SELECT count(DISTINCT o.status), sum(o.total) FROM \"public\".\"{t}\" o WHERE o.qty > 1",
                "SELECT public.{t}.status, count(DISTINCT public.{t}.qty) FROM public.{t} GROUP BY 1 ORDER BY 1",
                "SELECT status, rank() OVER (ORDER BY total DESC NULLS LAST, id) FROM public.{t} WHERE total > 10 ORDER BY 2, 1 LIMIT 5");
        try (Connection simple = cluster.connect(simple()); Connection extended = cluster.connect();
             Connection direct = cluster.shard(0)) {
            for (String query : queries) {
                List<String> expected = answer(direct, query.replace("{t}", "orders_all"));
                assertEquals(expected, answer(simple, query.replace("{t}", "orders")), query);
                try (PreparedStatement s = extended.prepareStatement(query.replace("{t}", "orders")); ResultSet rs = s.executeQuery()) {
                    assertEquals(expected, MultiShardSelectIT.rows(rs), "extended: " + query);
                }
            }
            for (String refused : List.of("SELECT count(DISTINCT status) FROM other.orders",
                    "SELECT count(DISTINCT o.status) FROM appdb.public.orders o")) {
                SQLException e = assertThrows(SQLException.class, () -> answer(simple, refused));
                assertEquals("0A000", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("name it without its schema"), e.getMessage());
            }
            assertEquals(answer(direct, "SELECT count(DISTINCT status) FROM orders_all"),
                    answer(simple, "SELECT count(DISTINCT status) FROM orders"));
        }
    }

    /**
     * EXPLAIN of a coordinated SELECT is the coordinator's plan over the pulled rows: with ANALYZE,
     * the same plan and actual row counts as one PostgreSQL holding every row (the temporary table
     * is named like the real one); a warning first names the pulls. Both protocols.
     */
    @Test
    void explainOfACoordinatedStatementIsTheCoordinatorsPlan() throws SQLException {
        String analyze = "EXPLAIN (ANALYZE, COSTS off, TIMING off, SUMMARY off) SELECT count(DISTINCT status) FROM {t}";
        try (Connection simple = cluster.connect(simple()); Connection extended = cluster.connect();
             Connection direct = cluster.shard(0)) {
            List<String> expected = answer(direct, analyze.replace("{t}", "orders_all")).stream()
                    .map(line -> line.replace("orders_all", "orders")).toList();
            for (Connection c : List.of(simple, extended)) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(analyze.replace("{t}", "orders"))) {
                    assertEquals(expected, MultiShardSelectIT.rows(rs));
                    assertTrue(s.getWarnings() != null && s.getWarnings().getMessage().startsWith(
                            "pgsteer: the plan shown is the coordinator s0's"), String.valueOf(s.getWarnings()));
                    assertTrue(s.getWarnings().getMessage().contains("orders from s0, s1, s2 by SELECT"), s.getWarnings().getMessage());
                }
            }
            List<String> plan = answer(simple, "EXPLAIN SELECT count(DISTINCT status) FROM public.orders WHERE qty > 1");
            assertTrue(plan.stream().anyMatch(line -> line.contains("Seq Scan on orders")), String.join("\n", plan));
        }
    }

    /**
     * SHOW COORDINATORS lists a step while it runs (here its statement sleeps on the coordinator):
     * the client's id as SHOW CLIENTS shows it, the phase, the table, the rows pulled from the other
     * shards; nothing once it answered or failed.
     */
    @Test
    void showCoordinatorsListsTheStepsRunningNow() throws Exception {
        try (Connection console = cluster.console(); Connection c = cluster.connect(simple()); Connection direct = cluster.shard(0)) {
            assertEquals(List.of(), coordinators(console));
            long others = Long.parseLong(answer(cluster.shard(1), "SELECT count(*) FROM orders").get(1).split(" ")[0])
                    + Long.parseLong(answer(cluster.shard(2), "SELECT count(*) FROM orders").get(1).split(" ")[0]);
            CompletableFuture<List<String>> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return answer(c, "SELECT count(DISTINCT status)::text || pg_sleep(3)::text AS n FROM orders");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            List<List<String>> running = List.of();
            for (int i = 0; i < 100 && running.isEmpty() && !slow.isDone(); i++) {
                Thread.sleep(50);
                running = coordinators(console).stream().filter(row -> row.get(3).equals("running")).toList();
            }
            assertEquals(1, running.size(), running.toString());
            List<String> step = running.getFirst();
            assertEquals(List.of("shop", String.valueOf(c.unwrap(PGConnection.class).getBackendPID()), "s0",
                    "running", "orders", String.valueOf(others)), step.subList(0, 6));
            assertTrue(Long.parseLong(step.get(6)) >= 0, step.toString());
            assertEquals(List.of("n:text ", "4 | "), slow.get(30, TimeUnit.SECONDS));
            assertEquals(List.of(), coordinators(console));
            assertThrows(SQLException.class, () -> answer(c, "SELECT count(DISTINCT nope) FROM orders"));
            assertEquals(List.of(), coordinators(console));
        }
    }

    private static List<List<String>> coordinators(Connection console) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Statement s = console.createStatement(); ResultSet rs = s.executeQuery("SHOW COORDINATORS")) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= 7; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    @Test
    void whatThisStepDoesNotHandleIsRefused() throws SQLException {
        try (Connection c = cluster.connect(simple()); Statement s = c.createStatement(); Connection direct = cluster.shard(0)) {
            // Answered inside a transaction block too now (CoordinatorTransactionIT has the cases).
            c.setAutoCommit(false);
            s.executeQuery("SELECT count(*) FROM orders").close();
            assertEquals(answer(direct, "SELECT count(DISTINCT status) FROM orders_all"), answer(c, "SELECT count(DISTINCT status) FROM orders"));
            c.rollback();
        }
        // The extended protocol, refused before, is answered (more in CoordinatorExtendedIT).
        try (Connection c = cluster.connect(); PreparedStatement s = c.prepareStatement("SELECT count(DISTINCT status) FROM orders");
             ResultSet rs = s.executeQuery()) {
            assertEquals(List.of("count:int8 ", "4 | "), MultiShardSelectIT.rows(rs));
        }
    }
}
