package dev.pgsteer.proxy.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * MOVE TENANT online, over three real shards (wal_level = logical) and a real metadata store, with two
 * pgsteer instances (a and b) on it. saas places its shared tenants by the directory group tenants
 * (projects and tasks, keyed on tenant_id): acme (s0) moves to s2 under writes of its own sessions
 * through both instances while globex (s1) writes beside it; then beta, a tenant in its own schema,
 * moves from s0 to s1 likewise. Each move is checked against a ledger of acknowledged writes: none
 * lost or duplicated, failures only 40001/55P03, the tenant's rows only on the target at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MoveTenantIT {
    static EmbeddedBackend meta;
    static final List<EmbeddedBackend> shards = new ArrayList<>();
    static PgSteerServer a;
    static PgSteerServer b;
    static final AtomicInteger ids = new AtomicInteger(1_000);

    @BeforeAll
    static void start() throws Exception {
        meta = EmbeddedBackend.start();
        for (int i = 0; i < 3; i++) {
            EmbeddedBackend shard = EmbeddedBackend.start(0, Map.of("max_prepared_transactions", "20", "wal_level", "logical"));
            try (Connection c = shard.admin(); Statement s = c.createStatement()) {
                s.execute("ALTER ROLE app REPLICATION");
                s.execute("GRANT pg_create_subscription TO app");
            }
            shards.add(shard);
        }
        a = proxy();
        b = proxy();
        try (Connection c = operator(a); Statement s = c.createStatement()) {
            // DDL of the operator's sharded session runs on every shard.
            s.execute("CREATE TABLE projects (tenant_id text NOT NULL DEFAULT current_setting('app.tenant_id'), id int NOT NULL, "
                    + "name text, PRIMARY KEY (tenant_id, id))");
            // No primary key: the move gives it REPLICA IDENTITY FULL for its duration.
            s.execute("CREATE TABLE tasks (tenant_id text NOT NULL DEFAULT current_setting('app.tenant_id'), id int NOT NULL, "
                    + "project int, done boolean)");
        }
        try (Connection console = console(a); Statement s = console.createStatement()) {
            s.execute("CREATE TENANT acme MODE shared ON s0 IN saas NO ROLE");
            s.execute("CREATE TENANT globex MODE shared ON s1 IN saas NO ROLE");
            s.execute("CREATE TENANT beta MODE schema ON s0 IN saas NO ROLE");
        }
        try (Connection c = shards.get(0).direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE beta.notes (id serial PRIMARY KEY, body text NOT NULL)");
            s.execute("CREATE TABLE beta.tags (note int NOT NULL, tag text NOT NULL)");   // no key: FULL for the move
            s.execute("CREATE INDEX ON beta.tags (note)");
            s.execute("INSERT INTO beta.notes (body) SELECT 'seed ' || g FROM generate_series(1, 200) g");
            s.execute("INSERT INTO beta.tags SELECT id, 't' || id FROM beta.notes");
        }
        for (String tenant : List.of("acme", "globex")) {
            try (Connection c = tenant(a, tenant); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO projects (id, name) SELECT g, '" + tenant + " ' || g FROM generate_series(1, 300) g");
                s.executeUpdate("INSERT INTO tasks (id, project, done) SELECT g, g, false FROM generate_series(1, 300) g");
            }
        }
    }

    static PgSteerServer proxy() throws Exception {
        StringBuilder backends = new StringBuilder();
        for (int i = 0; i < shards.size(); i++) {
            backends.append("  s").append(i).append(": { url: \"").append(shards.get(i).url()).append("\" }\n");
        }
        String yaml = """
                listen: 127.0.0.1:0
                metadata_store: { url: "%s", node_timeout: 1500ms }
                users:
                  app: { password: "app-secret" }
                  ops: { password: "ops-secret", admin: true }
                backends:
                %sdatabases:
                  saas:
                    shards: [s0, s1, s2]
                    backend_database: appdb
                    pool: { size: 8 }
                    tenancy: { setting: app.tenant_id, directory: tenants }
                    tables:
                      projects: { key: tenant_id, function: directory, group: tenants }
                      tasks:    { key: tenant_id, function: directory, group: tenants }
                """.formatted(meta.url(), backends);
        return new PgSteerServer(ConfigLoader.parse(yaml, "saas.yaml", Map.of()))
                .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : List.<AutoCloseable>of(a, b)) {
            if (c != null) {
                c.close();
            }
        }
        for (EmbeddedBackend shard : shards) {
            shard.close();
        }
        meta.close();
    }

    static Connection console(PgSteerServer proxy) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(proxy, "pgsteer"), "ops", "ops-secret");
    }

    static Connection operator(PgSteerServer proxy) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(proxy, "saas"), "ops", "ops-secret");
    }

    static Connection tenant(PgSteerServer proxy, String tenant) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", "app-secret");
        props.setProperty("options", "-c pgsteer.tenant=" + tenant);
        return DriverManager.getConnection(Pgjdbc.url(proxy, "saas"), props);
    }

    static Map<String, String> showMove(PgSteerServer proxy, long id) throws SQLException {
        try (Connection c = console(proxy); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW MOVE " + id)) {
            assertTrue(rs.next(), "SHOW MOVE " + id);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.put(rs.getMetaData().getColumnName(i), rs.getString(i));
            }
            return row;
        }
    }

    static long move(PgSteerServer proxy, String command) throws SQLException {
        try (Connection c = console(proxy); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(command)) {
            assertTrue(rs.next());
            assertEquals("checking", rs.getString("phase"));
            return rs.getLong("id");
        }
    }

    static Map<String, String> await(PgSteerServer proxy, long id, Duration bound, String... phases) throws Exception {
        long until = System.nanoTime() + bound.toNanos();
        Map<String, String> row;
        do {
            row = showMove(proxy, id);
            if (List.of(phases).contains(row.get("phase"))) {
                return row;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < until);
        fail("move " + id + " did not reach " + List.of(phases) + ": " + row);
        return row;
    }

    /** (table, tenant, id) → the shards that hold it, read on the shards directly. */
    static Map<List<String>, List<Integer>> sharedRows() throws SQLException {
        Map<List<String>, List<Integer>> where = new HashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            for (String table : List.of("projects", "tasks")) {
                try (Connection c = shards.get(i).direct(); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT tenant_id, id FROM " + table)) {
                    while (rs.next()) {
                        where.computeIfAbsent(List.of(table, rs.getString(1), rs.getString(2)), k -> new ArrayList<>()).add(i);
                    }
                }
            }
        }
        return where;
    }

    /** (table, tenant, shard) → rows, read on the shards directly; a row twice on one shard fails here. */
    static Map<List<String>, Long> counts() throws SQLException {
        Map<List<String>, Long> counts = new HashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            for (String table : List.of("projects", "tasks")) {
                try (Connection c = shards.get(i).direct(); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT tenant_id, count(*), count(DISTINCT id) FROM " + table + " GROUP BY 1")) {
                    while (rs.next()) {
                        assertEquals(rs.getLong(2), rs.getLong(3), table + ": a row of " + rs.getString(1) + " twice on s" + i);
                        counts.put(List.of(table, rs.getString(1), "s" + i), rs.getLong(2));
                    }
                }
            }
        }
        return counts;
    }

    /** Publications, subscriptions, slots and fences of moves left on {@code shard}, and identities not put back. */
    static List<String> leftovers(int shard) throws SQLException {
        List<String> left = new ArrayList<>();
        try (Connection c = shards.get(shard).direct(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT 'publication ' || pubname FROM pg_publication UNION ALL SELECT 'subscription ' || subname FROM pg_subscription"
                        + " UNION ALL SELECT 'slot ' || slot_name FROM pg_replication_slots UNION ALL SELECT 'trigger ' || tgname"
                        + " FROM pg_trigger WHERE tgname LIKE 'pgsteer_move%' UNION ALL SELECT 'function ' || proname FROM pg_proc"
                        + " WHERE proname LIKE 'pgsteer_move%' UNION ALL SELECT 'identity ' || relname FROM pg_class"
                        + " WHERE relname IN ('projects', 'tasks') AND relreplident <> 'd'")) {
            while (rs.next()) {
                left.add(rs.getString(1));
            }
        }
        return left;
    }

    /** A tenant's writers: inserts into two tables in one transaction, and deletes of its own acknowledged rows. */
    record Workload(AtomicBoolean running, List<Thread> threads, Set<List<String>> present, Map<String, AtomicInteger> failures,
                    List<Long> latencies) {

        static Workload start(String tenant, List<PgSteerServer> through, int writers, String insert, String secondInsert,
                              String delete) {
            Workload w = new Workload(new AtomicBoolean(true), new ArrayList<>(), ConcurrentHashMap.newKeySet(),
                    new ConcurrentHashMap<>(), Collections.synchronizedList(new ArrayList<>()));
            for (int n = 0; n < writers; n++) {
                PgSteerServer proxy = through.get(n % through.size());
                w.threads.add(Thread.ofPlatform().start(() -> w.run(proxy, tenant, insert, secondInsert, delete)));
            }
            return w;
        }

        void run(PgSteerServer proxy, String tenant, String insert, String secondInsert, String delete) {
            try (Connection c = tenant(proxy, tenant)) {
                List<Integer> mine = new ArrayList<>();
                int n = 0;
                while (running.get()) {
                    long started = System.nanoTime();
                    try {
                        if (++n % 5 == 0 && !mine.isEmpty()) {
                            int victim = mine.removeFirst();
                            c.setAutoCommit(true);
                            try (PreparedStatement d = c.prepareStatement(delete)) {
                                d.setInt(1, victim);
                                if (d.executeUpdate() != 1) {
                                    failures.computeIfAbsent("acknowledged row " + victim + " not there to delete",
                                            k -> new AtomicInteger()).incrementAndGet();
                                }
                            }
                            present.remove(List.of(String.valueOf(victim)));
                        } else {
                            int id = ids.incrementAndGet();
                            c.setAutoCommit(false);
                            try (PreparedStatement i = c.prepareStatement(insert); PreparedStatement j = c.prepareStatement(secondInsert)) {
                                i.setInt(1, id);
                                i.executeUpdate();
                                j.setInt(1, id);
                                j.executeUpdate();
                            }
                            c.commit();
                            present.add(List.of(String.valueOf(id)));
                            mine.add(id);
                        }
                        latencies.add(System.nanoTime() - started);
                    } catch (SQLException e) {
                        failures.computeIfAbsent(e.getSQLState() + " " + e.getMessage(), k -> new AtomicInteger()).incrementAndGet();
                        try {
                            c.rollback();
                        } catch (SQLException ignored) {
                            // autocommit, or the connection broke: the next statement says
                        }
                    }
                }
            } catch (SQLException e) {
                failures.computeIfAbsent("connection " + e.getMessage(), k -> new AtomicInteger()).incrementAndGet();
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join();
            }
        }

        void assertOnlyRetryableFailures(String who) {
            for (String failure : failures.keySet()) {
                assertTrue(failure.startsWith("40001") || failure.startsWith("55P03"), who + ": only retryable failures: " + failures);
            }
        }

        String latency() {
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            if (sorted.isEmpty()) {
                return "no statements";
            }
            return String.format("%d statements, p50 %.1f ms, p99 %.1f ms, max %.1f ms", sorted.size(), sorted.get(sorted.size() / 2) / 1e6,
                    sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)) / 1e6, sorted.getLast() / 1e6);
        }
    }

    @Test
    @Order(1)
    void aSharedTenantMovesUnderItsWritesThroughTwoInstancesAndOthersAreNeverHeld() throws Exception {
        String insert = "INSERT INTO projects (id, name) VALUES (?, 'w')";
        String task = "INSERT INTO tasks (id, project, done) VALUES (?, 1, false)";
        String delete = "WITH p AS (DELETE FROM projects WHERE id = ? RETURNING id) DELETE FROM tasks WHERE id IN (SELECT id FROM p)";
        Workload acme = Workload.start("acme", List.of(a, b), 4, insert, task, delete);
        Workload globex = Workload.start("globex", List.of(a), 1, insert, task, delete);
        Thread.sleep(300);
        long id = move(b, "MOVE TENANT acme TO s2");
        await(a, id, Duration.ofSeconds(30), "copying", "catching_up", "holding", "verifying", "flipped", "cleaning", "done");
        // While acme's rows are on two shards, an operator's scan of the group's tables would count them twice.
        try (Connection c = operator(a); Statement s = c.createStatement()) {
            if (!showMove(a, id).get("phase").equals("done")) {
                try {
                    s.executeQuery("SELECT count(*) FROM projects").close();
                } catch (SQLException e) {
                    assertEquals("0A000", e.getSQLState(), e.getMessage());
                }
            }
        }
        Map<String, String> done = await(a, id, Duration.ofSeconds(90), "done", "failed");
        Thread.sleep(300);
        acme.stop();
        globex.stop();
        assertEquals("done", done.get("phase"), done.toString());
        assertEquals("tenant acme (key 'acme' of projects, tasks)", done.get("what"));
        assertEquals("tenant", done.get("kind"));
        acme.assertOnlyRetryableFailures("acme");
        assertEquals(Map.of(), globex.failures(), "globex never failed");
        Map<List<String>, List<Integer>> where = sharedRows();
        for (Map.Entry<List<String>, List<Integer>> e : where.entrySet()) {
            assertEquals(1, e.getValue().size(), "row " + e.getKey() + " duplicated on " + e.getValue());
            int expected = switch (e.getKey().get(1)) {
                case "acme" -> 2;
                case "globex" -> 1;
                default -> -1;
            };
            assertEquals(expected, (int) e.getValue().getFirst(), "row " + e.getKey() + " on the wrong shard");
        }
        for (String table : List.of("projects", "tasks")) {
            for (List<String> row : acme.present()) {
                assertTrue(where.containsKey(List.of(table, "acme", row.getFirst())), table + ": acknowledged acme row " + row + " lost");
            }
            long acmeRows = where.keySet().stream().filter(k -> k.get(0).equals(table) && k.get(1).equals("acme")).count();
            assertEquals(300 - 0 + acme.present().size() - deletedSeeds(), acmeRows, table + ": acme's rows are the seed and the ledger");
        }
        // Every instance routes acme, its key and its sessions, to s2.
        for (PgSteerServer proxy : List.of(a, b)) {
            try (Connection c = console(proxy); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW KEY 'acme'")) {
                assertTrue(rs.next());
                assertEquals("s2", rs.getString("shard"));
            }
            try (Connection c = tenant(proxy, "acme"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM projects WHERE tenant_id = 'acme'")) {
                rs.next();
                assertEquals(300 + acme.present().size() - deletedSeeds(), rs.getLong(1));
            }
            try (Connection c = operator(proxy); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM projects WHERE tenant_id = 'acme'")) {
                rs.next();
                assertEquals(300 + acme.present().size() - deletedSeeds(), rs.getLong(1), "the operator's read by key");
            }
        }
        for (int shard = 0; shard < 3; shard++) {
            assertEquals(List.of(), leftovers(shard), "shard s" + shard);
        }
        System.out.printf("MoveTenantIT: shared tenant acme moved (move %d, hold %s ms); acme %s, failures %s; globex (never held) %s%n",
                id, done.get("hold_ms"), acme.latency(), acme.failures(), globex.latency());
    }

    /** The workload deletes only rows it inserted: no seed row goes. */
    static int deletedSeeds() {
        return 0;
    }

    @Test
    @Order(2)
    void aSchemaTenantMovesUnderItsWritesWithItsSchemaMadeOnTheTarget() throws Exception {
        String insert = "INSERT INTO notes (id, body) VALUES (?, 'w')";
        String tag = "INSERT INTO tags (note, tag) VALUES (?, 'w')";
        String delete = "WITH n AS (DELETE FROM notes WHERE id = ? RETURNING id) DELETE FROM tags WHERE note IN (SELECT id FROM n)";
        Workload beta = Workload.start("beta", List.of(a, b), 3, insert, tag, delete);
        Thread.sleep(300);
        long id = move(a, "MOVE TENANT beta TO s1");
        Map<String, String> done = await(b, id, Duration.ofSeconds(90), "done", "failed");
        Thread.sleep(300);
        beta.stop();
        assertEquals("done", done.get("phase"), done.toString());
        assertEquals("tenant beta (schema beta)", done.get("what"));
        beta.assertOnlyRetryableFailures("beta");
        try (Connection c = shards.get(0).direct(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_namespace WHERE nspname = 'beta'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the schema left s0");
        }
        Set<Integer> notes = new java.util.HashSet<>();
        try (Connection c = shards.get(1).direct(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM beta.notes")) {
            while (rs.next()) {
                assertTrue(notes.add(rs.getInt(1)), "note " + rs.getInt(1) + " twice");
            }
        }
        for (List<String> row : beta.present()) {
            assertTrue(notes.contains(Integer.parseInt(row.getFirst())), "acknowledged note " + row + " lost");
        }
        assertEquals(200 + beta.present().size(), notes.size(), "the seed notes and the ledger's");
        // Its sessions reach it on s1, and its serial goes on after the copied rows' numbers.
        try (Connection c = tenant(b, "beta"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM notes")) {
                rs.next();
                assertEquals(notes.size(), rs.getLong(1));
            }
            s.executeUpdate("INSERT INTO notes (body) VALUES ('after the move')");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM tags")) {
                rs.next();
                assertFalse(rs.getLong(1) == 0);
            }
        }
        try (Connection c = console(a); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW TENANTS")) {
            boolean seen = false;
            while (rs.next()) {
                if (rs.getString(1).equals("beta")) {
                    seen = true;
                    assertEquals("s1", rs.getString(4), "beta's shard in SHOW TENANTS");
                }
            }
            assertTrue(seen);
        }
        for (int shard = 0; shard < 3; shard++) {
            assertEquals(List.of(), leftovers(shard), "shard s" + shard);
        }
        System.out.printf("MoveTenantIT: schema tenant beta moved (move %d, hold %s ms); %s, failures %s%n", id, done.get("hold_ms"),
                beta.latency(), beta.failures());
    }

    @Test
    @Order(3)
    void whatCannotMoveExactlyIsRefusedWithTheReason() throws Exception {
        try (Connection c = console(a); Statement s = c.createStatement()) {
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> s.executeQuery("MOVE TENANT globex TO s1").close());
            assertEquals("22023", e.getSQLState(), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, () -> s.executeQuery("MOVE TENANT nobody TO s1").close());
            assertEquals("42704", e.getSQLState(), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> s.executeQuery("MOVE KEY 'globex' OF tenants TO s2").close());
            assertEquals("55000", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("MOVE TENANT globex"), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> s.executeQuery("ASSIGN KEY 'globex' OF tenants TO s2").close());
            assertEquals("55000", e.getSQLState(), e.getMessage());
        }
    }

    @Test
    @Order(4)
    void aFailedSchemaMoveLeavesASchemaOfTheTargetsOwnAlone() throws Exception {
        try (Connection c = shards.get(0).direct(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA gamma");
            s.execute("CREATE TABLE gamma.notes (id int PRIMARY KEY)");
            s.execute("INSERT INTO gamma.notes SELECT generate_series(1, 10)");
        }
        try (Connection c = shards.get(2).direct(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA gamma");
            s.execute("CREATE TABLE gamma.other (v text)");
            s.execute("INSERT INTO gamma.other VALUES ('not the tenant''s')");
        }
        try (Connection console = console(a); Statement s = console.createStatement()) {
            s.execute("CREATE TENANT gamma MODE schema ON s0 IN saas NO ROLE");
        }
        long id = move(a, "MOVE TENANT gamma TO s2");
        Map<String, String> row = await(b, id, Duration.ofSeconds(30), "failed", "done");
        assertEquals("failed", row.get("phase"), row.toString());
        assertTrue(row.get("error").contains("has a schema gamma already"), row.toString());
        try (Connection c = shards.get(2).direct(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT v FROM gamma.other")) {
            assertTrue(rs.next(), "the target's own schema is still there");
        }
        try (Connection c = tenant(a, "gamma"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM notes")) {
            rs.next();
            assertEquals(10, rs.getLong(1), "gamma stays on s0");
        }
        for (int shard = 0; shard < 3; shard++) {
            assertEquals(List.of(), leftovers(shard), "shard s" + shard);
        }
    }

    @Test
    @Order(5)
    void aKeyMovesWithItsRowsAndATenantMoveCancelledMidCopyLeavesTheSourceAuthoritative() throws Exception {
        try (Connection console = console(a); Statement s = console.createStatement()) {
            s.execute("ASSIGN KEY 'loose' OF tenants TO s1");
        }
        try (Connection c = operator(a); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO projects (tenant_id, id, name) SELECT 'loose', g, 'l' FROM generate_series(1, 50) g");
        }
        long key = move(b, "MOVE KEY 'loose' OF tenants TO s0");
        Map<String, String> moved = await(a, key, Duration.ofSeconds(60), "done", "failed");
        assertEquals("done", moved.get("phase"), moved.toString());
        assertEquals("key", moved.get("kind"));
        try (Connection c = operator(b); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM projects WHERE tenant_id = 'loose'")) {
            rs.next();
            assertEquals(50, rs.getLong(1));
        }
        assertEquals(50L, counts().get(List.of("projects", "loose", "s0")), "the key's rows are on s0");
        assertEquals(null, counts().get(List.of("projects", "loose", "s1")), "and only there");

        // globex grows big enough for its copy to last, and its move is cancelled mid-copy.
        try (Connection c = shards.get(1).direct(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO tasks (tenant_id, id, project, done) SELECT 'globex', 5000000 + g, g, true"
                    + " FROM generate_series(1, 1000000) g");
        }
        Map<List<String>, Long> before = counts();
        long id = move(a, "MOVE TENANT globex TO s0");
        await(b, id, Duration.ofSeconds(30), "copying");
        try (Connection c = console(b); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("CANCEL MOVE " + id)) {
            assertTrue(rs.next());
        }
        Map<String, String> row = await(a, id, Duration.ofSeconds(60), "cancelled", "failed", "done");
        assertEquals("cancelled", row.get("phase"), row.toString());
        assertEquals(before, counts(), "every row where it was");
        try (Connection console = console(a); Statement s = console.createStatement(); ResultSet rs = s.executeQuery("SHOW KEY 'globex'")) {
            assertTrue(rs.next());
            assertEquals("s1", rs.getString("shard"));
        }
        for (int shard = 0; shard < 3; shard++) {
            assertEquals(List.of(), leftovers(shard), "shard s" + shard);
        }
    }

    @Test
    @Order(6)
    void aTenantMoveWhoseInstanceStopsIsCarriedOnByAnother() throws Exception {
        Map<List<String>, Long> before = counts();
        PgSteerServer c = proxy();
        long id;
        try {
            id = move(c, "MOVE TENANT globex TO s0");
            await(a, id, Duration.ofSeconds(30), "copying");
        } finally {
            c.close();
        }
        Map<String, String> row = await(a, id, Duration.ofSeconds(180), "done", "failed", "cancelled");
        assertEquals("done", row.get("phase"), row.toString());
        Map<List<String>, Long> expected = new HashMap<>();
        before.forEach((k, n) -> expected.merge(k.get(1).equals("globex") ? List.of(k.get(0), k.get(1), "s0") : k, n, Long::sum));
        Map<List<String>, Long> after = counts();
        assertEquals(expected, after, "globex's rows on s0 only, none lost or made; the others where they were");
        try (Connection t = tenant(b, "globex"); Statement s = t.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM tasks WHERE tenant_id = 'globex'")) {
            rs.next();
            assertEquals(after.get(List.of("tasks", "globex", "s0")), rs.getLong(1));
        }
        for (int shard = 0; shard < 3; shard++) {
            assertEquals(List.of(), leftovers(shard), "shard s" + shard);
        }
    }
}
