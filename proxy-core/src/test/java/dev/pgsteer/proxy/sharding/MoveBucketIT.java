package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.PgHash;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * MOVE BUCKET online, over real shards and a real metadata store, with two pgsteer instances (a and b)
 * and a third (c) that is stopped mid-move. orders and items (co-located) in 6 buckets, bucket b on
 * s(b mod 3); s0 and s1 run with wal_level = logical, s2 with the default replica (the requirement
 * test). The tests run in order, each on the map the previous one left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MoveBucketIT {
    static EmbeddedBackend meta;
    static final List<EmbeddedBackend> shards = new ArrayList<>();
    static PgSteerServer a;
    static PgSteerServer b;
    static final AtomicInteger ids = new AtomicInteger(1_000_000);

    @BeforeAll
    static void start() throws Exception {
        meta = EmbeddedBackend.start();
        for (int i = 0; i < 3; i++) {
            Map<String, String> settings = new HashMap<>(Map.of("max_prepared_transactions", "20"));
            if (i < 2) {
                settings.put("wal_level", "logical");
            }
            EmbeddedBackend shard = EmbeddedBackend.start(0, settings);
            try (Connection c = shard.admin(); Statement s = c.createStatement()) {
                s.execute("ALTER ROLE app REPLICATION");
                s.execute("GRANT pg_create_subscription TO app");
            }
            shards.add(shard);
        }
        a = proxy();
        b = proxy();
        try (Connection c = connect(a); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (customer_id int NOT NULL, id int NOT NULL, total int, PRIMARY KEY (customer_id, id))");
            // No primary key: the move gives it REPLICA IDENTITY FULL for its duration.
            s.execute("CREATE TABLE items (customer_id int NOT NULL, id int NOT NULL, sku text)");
            s.execute("CREATE TABLE currencies (code text PRIMARY KEY)");
            for (int k = 1; k <= 600; k++) {
                s.execute("INSERT INTO orders VALUES (" + k + ", " + k + ", " + k + ")");
                s.execute("INSERT INTO items VALUES (" + k + ", " + k + ", 'sku" + k + "')");
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
                  shop:
                    shards: [s0, s1, s2]
                    backend_database: appdb
                    pool: { size: 8 }
                    tables:
                      orders: { key: customer_id, function: hash, buckets: 6 }
                      items:  { key: customer_id, function: hash, buckets: 6 }
                """.formatted(meta.url(), backends);
        return new PgSteerServer(ConfigLoader.parse(yaml, "shop.yaml", Map.of()))
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

    static Connection connect(PgSteerServer proxy) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(proxy, "shop"), "app", "app-secret");
    }

    static Connection console(PgSteerServer proxy) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(proxy, "pgsteer"), "ops", "ops-secret");
    }

    static int bucket(int key) {
        return PgHash.remainder(new KeyValue.Int(key), 6);
    }

    /** SHOW MOVE id as column → value. */
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

    /** The value SHOW STATS gives {@code name} (its first measurement: a timer's count). */
    static String stat(PgSteerServer proxy, String name) throws SQLException {
        try (Connection c = console(proxy); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW STATS")) {
            while (rs.next()) {
                if (rs.getString("name").equals(name)) {
                    return rs.getString("value");
                }
            }
        }
        fail("SHOW STATS has no " + name);
        return null;
    }

    static long move(PgSteerServer proxy, String command) throws SQLException {
        try (Connection c = console(proxy); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(command)) {
            assertTrue(rs.next());
            assertEquals("checking", rs.getString("phase"));
            return rs.getLong("id");
        }
    }

    /** Waits until the move's phase is one of {@code phases}; returns its row. */
    static Map<String, String> await(PgSteerServer proxy, long id, Duration bound, String... phases) throws Exception {
        long until = System.nanoTime() + bound.toNanos();
        Map<String, String> row;
        do {
            row = showMove(proxy, id);
            if (List.of(phases).contains(row.get("phase"))) {
                return row;
            }
            Thread.sleep(5);
        } while (System.nanoTime() < until);
        fail("move " + id + " did not reach " + List.of(phases) + ": " + row);
        return row;
    }

    /** Rows of {@code table} per shard, read on the shards directly: key → shards that hold (key, id). */
    static Map<List<Integer>, List<Integer>> placement(String table) throws SQLException {
        Map<List<Integer>, List<Integer>> where = new HashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            try (Connection c = shards.get(i).direct(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT customer_id, id FROM " + table)) {
                while (rs.next()) {
                    where.computeIfAbsent(List.of(rs.getInt(1), rs.getInt(2)), k -> new ArrayList<>()).add(i);
                }
            }
        }
        return where;
    }

    static String routeOf(PgSteerServer proxy, int key) throws SQLException {
        try (Connection c = connect(proxy); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = " + key)) {
            rs.next();
            return rs.getString("shards");
        }
    }

    static int keyIn(int bucket) {
        for (int k = 1; ; k++) {
            if (bucket(k) == bucket) {
                return k;
            }
        }
    }

    /** Publications, subscriptions, slots, move tables and fences left on {@code shard}. */
    static List<String> leftovers(int shard) throws SQLException {
        List<String> left = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(Pgjdbc.url(shards.get(shard).port(), "appdb"), "postgres", "");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                     "SELECT 'publication ' || pubname FROM pg_publication UNION ALL SELECT 'subscription ' || subname FROM pg_subscription"
                     + " UNION ALL SELECT 'slot ' || slot_name FROM pg_replication_slots UNION ALL SELECT 'table ' || relname FROM pg_class"
                     + " WHERE relname LIKE 'pgsteer_move%' UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgname LIKE 'pgsteer_move%'"
                     + " UNION ALL SELECT 'identity ' || relname FROM pg_class WHERE relname IN ('orders', 'items') AND relreplident <> 'd'")) {
            while (rs.next()) {
                left.add(rs.getString(1));
            }
        }
        return left;
    }

    @Test
    @Order(1)
    void aSourceWithoutLogicalWalIsRefusedWithTheFix() throws Exception {
        long id = move(a, "MOVE BUCKET 2 OF orders TO s0");
        Map<String, String> row = await(b, id, Duration.ofSeconds(20), "failed");
        assertTrue(row.get("error").contains("wal_level = replica") && row.get("error").contains("ALTER SYSTEM SET wal_level = logical"),
                row.toString());
        assertEquals("bucket 2 of 6 of orders, items", row.get("what"));
        assertEquals("s2", routeOf(a, keyIn(2)));
        assertEquals(List.of(), leftovers(0));
        assertEquals(List.of(), leftovers(2));
    }

    @Test
    @Order(2)
    void aBucketMovesUnderWritesThroughTwoInstancesWithoutALostOrDuplicatedRow() throws Exception {
        int moving = 0;
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<List<Integer>> acknowledged = new ConcurrentLinkedQueue<>();
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        List<Long> movingLatencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger refusedScans = new AtomicInteger();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            PgSteerServer through = w % 2 == 0 ? a : b;
            int seed = w;
            writers.add(Thread.ofPlatform().start(() -> {
                try (Connection c = connect(through)) {
                    int n = 0;
                    while (running.get()) {
                        int key = 1 + (n++ * 7 + seed * 13) % 600;
                        int id = ids.incrementAndGet();
                        long started = System.nanoTime();
                        try {
                            c.setAutoCommit(false);
                            try (PreparedStatement o = c.prepareStatement("INSERT INTO orders VALUES (?, ?, ?)");
                                 PreparedStatement i = c.prepareStatement("INSERT INTO items VALUES (?, ?, ?)")) {
                                o.setInt(1, key);
                                o.setInt(2, id);
                                o.setInt(3, n);
                                o.executeUpdate();
                                i.setInt(1, key);
                                i.setInt(2, id);
                                i.setString(3, "w" + id);
                                i.executeUpdate();
                            }
                            c.commit();
                            acknowledged.add(List.of(key, id));
                            if (bucket(key) == moving) {
                                movingLatencies.add(System.nanoTime() - started);
                            }
                        } catch (SQLException e) {
                            failures.computeIfAbsent(e.getSQLState() + " " + e.getMessage(), k -> new AtomicInteger()).incrementAndGet();
                            try {
                                c.rollback();
                            } catch (SQLException ignored) {
                                // the next statement reports a broken connection
                            }
                        }
                    }
                } catch (SQLException e) {
                    failures.computeIfAbsent("connection " + e.getMessage(), k -> new AtomicInteger()).incrementAndGet();
                }
            }));
        }
        Thread.sleep(300);
        long id = move(a, "MOVE BUCKET 0 OF orders TO s1");
        await(b, id, Duration.ofSeconds(30), "copying", "catching_up", "holding", "verifying", "flipped", "cleaning", "done");
        // A scan of the group's table while the bucket is on two shards would count it twice: refused.
        try (Connection c = connect(b); Statement s = c.createStatement()) {
            if (!showMove(a, id).get("phase").equals("done")) {
                try {
                    s.executeQuery("SELECT count(*) FROM orders").close();
                } catch (SQLException e) {
                    assertEquals("0A000", e.getSQLState(), e.getMessage());
                    refusedScans.incrementAndGet();
                }
            }
        }
        // The group's map changes only through the move until it ends.
        if (!showMove(a, id).get("phase").equals("done")) {
            try (Connection c = console(b); Statement s = c.createStatement()) {
                s.executeQuery("SET BUCKET 0 OF orders TO s2").close();
                assertEquals("done", showMove(a, id).get("phase"), "SET BUCKET during the move");
            } catch (SQLException e) {
                assertEquals("55000", e.getSQLState(), e.getMessage());
            }
        }
        Map<String, String> done = await(a, id, Duration.ofSeconds(60), "done", "failed");
        Thread.sleep(300);
        running.set(false);
        for (Thread t : writers) {
            t.join();
        }
        assertEquals("done", done.get("phase"), done.toString());
        for (String failure : failures.keySet()) {
            assertTrue(failure.startsWith("40001") || failure.startsWith("55P03"), "only retryable failures: " + failures);
        }
        for (String table : List.of("orders", "items")) {
            Map<List<Integer>, List<Integer>> where = placement(table);
            for (List<Integer> row : acknowledged) {
                assertEquals(1, where.getOrDefault(row, List.of()).size(), table + " row " + row + " on shards " + where.get(row));
            }
            for (Map.Entry<List<Integer>, List<Integer>> e : where.entrySet()) {
                assertEquals(1, e.getValue().size(), table + " row " + e.getKey() + " duplicated on " + e.getValue());
                int expected = switch (bucket(e.getKey().getFirst())) {
                    case 0, 1, 4 -> 1;
                    case 3 -> 0;
                    default -> 2;
                };
                assertEquals(expected, (int) e.getValue().getFirst(), table + " row " + e.getKey() + " on the wrong shard");
            }
            try (Connection c = connect(b); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
                rs.next();
                assertEquals(where.size(), rs.getLong(1), "count through pgsteer");
                assertEquals(600 + acknowledged.size(), rs.getLong(1), "the seed rows and every acknowledged write");
            }
        }
        assertEquals("s1", routeOf(a, keyIn(0)));
        assertEquals("s1", routeOf(b, keyIn(0)));
        assertEquals(List.of(), leftovers(0));
        assertEquals(List.of(), leftovers(1));
        // The mover's instance measured the cutover's hold; the other held writes and measured their waits.
        assertTrue(Long.parseLong(stat(a, "pgsteer.move.hold")) >= 1, "cutover holds measured");
        assertEquals("0", stat(b, "pgsteer.moves{phase=copying}"));
        List<Long> sorted = new ArrayList<>(movingLatencies);
        Collections.sort(sorted);
        assertFalse(sorted.isEmpty(), "writes reached the moving bucket");
        System.out.printf("MoveBucketIT: move %d done; %d acknowledged writes (%d to the moving bucket), failures %s, refused scans %d;"
                        + " write latency to the moving bucket p50 %.1f ms, p99 %.1f ms, max %.1f ms; cutover hold %s ms%n", id,
                acknowledged.size(), sorted.size(), failures, refusedScans.get(), sorted.get(sorted.size() / 2) / 1e6,
                sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)) / 1e6,
                sorted.getLast() / 1e6, done.get("hold_ms"));
    }

    /** Adds {@code rows} items of bucket 3's keys on s0 directly, so that the copy lasts. */
    static void bigBucket3(int rows) throws SQLException {
        try (Connection c = shards.get(0).direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS it_hash (k int) PARTITION BY HASH (k)");
            s.execute("INSERT INTO items SELECT k, 2000000 + g, 'bulk' FROM generate_series(1, " + rows + ") g,"
                    + " LATERAL (SELECT (g % 600) + 1 AS k) keys WHERE satisfies_hash_partition('it_hash'::regclass, 6, 3, k)");
            s.execute("DROP TABLE it_hash");
        }
    }

    @Test
    @Order(3)
    void aMoveCancelledMidCopyLeavesTheSourceAuthoritativeAndTheTargetClean() throws Exception {
        bigBucket3(1_500_000);
        Map<List<Integer>, List<Integer>> before = placement("items");
        long id = move(b, "MOVE BUCKET 3 OF orders TO s1");
        await(a, id, Duration.ofSeconds(30), "copying");
        try (Connection c = console(a); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("CANCEL MOVE " + id)) {
            assertTrue(rs.next());
            assertEquals(id, rs.getLong("id"));
        }
        Map<String, String> row = await(a, id, Duration.ofSeconds(30), "cancelled", "failed");
        assertEquals("cancelled", row.get("phase"), row.toString());
        assertEquals(before, placement("items"));
        assertEquals("s0", routeOf(a, keyIn(3)));
        assertEquals(List.of(), leftovers(0));
        assertEquals(List.of(), leftovers(1));
    }

    @Test
    @Order(4)
    void aMoveWhoseInstanceStopsMidCopyIsCarriedOnByAnother() throws Exception {
        PgSteerServer c = proxy();
        long id;
        Map<List<Integer>, List<Integer>> before = placement("items");
        try {
            id = move(c, "MOVE BUCKET 3 OF orders TO s1");
            await(a, id, Duration.ofSeconds(30), "copying");
        } finally {
            c.close();
        }
        Map<String, String> row = await(a, id, Duration.ofSeconds(90), "done", "failed", "cancelled");
        assertEquals("done", row.get("phase"), row.toString());
        Map<List<Integer>, List<Integer>> after = placement("items");
        assertEquals(before.keySet(), after.keySet());
        for (Map.Entry<List<Integer>, List<Integer>> e : after.entrySet()) {
            assertEquals(1, e.getValue().size(), "row " + e.getKey() + " on " + e.getValue());
            if (bucket(e.getKey().getFirst()) == 3) {
                assertEquals(1, (int) e.getValue().getFirst());
            }
        }
        assertNotEquals("s0", routeOf(b, keyIn(3)));
        // SHOW MOVES through pgjdbc's server-prepared statements, which read numeric and timestamptz in binary.
        try (Connection console = console(b); PreparedStatement show = console.prepareStatement("SHOW MOVES")) {
            for (int i = 0; i < 7; i++) {
                try (ResultSet rs = show.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(id, rs.getLong("id"));
                    assertEquals("done", rs.getString("phase"));
                    assertTrue(rs.getObject("started", java.time.OffsetDateTime.class)
                            .isBefore(rs.getObject("updated", java.time.OffsetDateTime.class)));
                    assertTrue(rs.getBigDecimal("hold_ms").signum() > 0, "hold_ms");
                    assertTrue(rs.getBigDecimal("rows_per_second").signum() > 0, "rows_per_second");
                }
            }
        }
        assertEquals(List.of(), leftovers(0));
        assertEquals(List.of(), leftovers(1));
    }
}
