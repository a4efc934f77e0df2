package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two pgsteer instances on one metadata store and three shards, orders and items (co-located) in 6
 * buckets, bucket b on s(b mod 3). The map is changed through one instance's admin console while a
 * pgjdbc workload (autocommit statements and transactions, prepared, by key) runs through both:
 * the other routes by the new map within a second, and no statement of the workload fails. The
 * workload's keys avoid the buckets the test moves (4 and 5 of 6): moving a bucket moves no row, so
 * rows of a moved bucket would stay behind on the old shard.
 *
 * <p>The tests run in order, each on the map the previous one left: a move (bucket 5 of 6 to s0), a
 * split (6 into 12 buckets), then a transaction open across moves.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardMapStoreIT {
    static EmbeddedBackend meta;
    static List<EmbeddedBackend> shards = new ArrayList<>();
    static PgSteerServer a;
    static PgSteerServer b;
    static final AtomicInteger inserted = new AtomicInteger();
    static final ConcurrentLinkedQueue<Integer> keysWritten = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws Exception {
        meta = EmbeddedBackend.start();
        for (int i = 0; i < 3; i++) {
            shards.add(EmbeddedBackend.shard());
        }
        a = proxy();
        b = proxy();
        try (Connection c = connect(a); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (customer_id int NOT NULL, id int NOT NULL, total int, PRIMARY KEY (customer_id, id))");
            s.execute("CREATE TABLE items (customer_id int NOT NULL, id int NOT NULL, sku text)");
        }
    }

    private static PgSteerServer proxy() throws Exception {
        StringBuilder backends = new StringBuilder();
        for (int i = 0; i < shards.size(); i++) {
            backends.append("  s").append(i).append(": { url: \"").append(shards.get(i).url()).append("\" }\n");
        }
        String yaml = """
                listen: 127.0.0.1:0
                metadata_store: { url: "%s" }
                users:
                  app: { password: "app-secret" }
                  ops: { password: "ops-secret", admin: true }
                backends:
                %sdatabases:
                  shop:
                    shards: [s0, s1, s2]
                    backend_database: appdb
                    pool: { size: 6 }
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

    static int cell(int key, int modulus) {
        return PgHash.remainder(new KeyValue.Int(key), modulus);
    }

    static List<String> row(PgSteerServer proxy, String command) throws SQLException {
        try (Connection c = console(proxy); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(command)) {
            assertTrue(rs.next(), command);
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.add(rs.getString(i));
            }
            return row;
        }
    }

    static long version(PgSteerServer proxy) throws SQLException {
        return Long.parseLong(row(proxy, "SHOW SHARD MAP VERSION").getFirst());
    }

    /** {@code shards} and {@code reason} of EXPLAIN ROUTE of a read of orders by {@code key}, through {@code proxy}. */
    static List<String> route(PgSteerServer proxy, int key) throws SQLException {
        try (Connection c = connect(proxy); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = " + key)) {
            rs.next();
            return List.of(rs.getString("shards"), rs.getString("reason"));
        }
    }

    /** Milliseconds until {@code proxy} routes {@code key} as {@code expected} (at most 5 s). */
    static long untilRouted(PgSteerServer proxy, int key, List<String> expected) throws Exception {
        long start = System.nanoTime();
        while (!route(proxy, key).equals(expected) && System.nanoTime() - start < 5_000_000_000L) {
            Thread.sleep(10);
        }
        assertEquals(expected, route(proxy, key));
        return (System.nanoTime() - start) / 1_000_000;
    }

    /**
     * Two workers per instance, each writing new keys (those {@code usable} allows) by key, in autocommit
     * and in transactions of two statements, and reading each back by key; every SQLException is a failure.
     */
    static final class Workload implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger statements = new AtomicInteger();
        final AtomicInteger misses = new AtomicInteger();

        Workload(IntPredicate usable, AtomicInteger nextKey) {
            for (PgSteerServer proxy : List.of(a, b, a, b)) {
                threads.add(Thread.ofPlatform().start(() -> work(proxy, usable, nextKey)));
            }
        }

        private void work(PgSteerServer proxy, IntPredicate usable, AtomicInteger nextKey) {
            try (Connection c = connect(proxy);
                 PreparedStatement order = c.prepareStatement("INSERT INTO orders (customer_id, id, total) VALUES (?, 1, ?)");
                 PreparedStatement item = c.prepareStatement("INSERT INTO items (customer_id, id, sku) VALUES (?, 1, ?)");
                 PreparedStatement read = c.prepareStatement("SELECT o.total, i.sku FROM orders o JOIN items i "
                         + "ON i.customer_id = o.customer_id WHERE o.customer_id = ?")) {
                int n = 0;
                while (running.get()) {
                    int key = nextKey.incrementAndGet();
                    if (!usable.test(key)) {
                        continue;
                    }
                    boolean inTransaction = n++ % 2 == 0;
                    c.setAutoCommit(!inTransaction);
                    order.setInt(1, key);
                    order.setInt(2, key * 10);
                    order.executeUpdate();
                    item.setInt(1, key);
                    item.setString(2, "sku-" + key);
                    item.executeUpdate();
                    if (inTransaction) {
                        c.commit();
                    }
                    statements.addAndGet(inTransaction ? 3 : 2);
                    inserted.incrementAndGet();
                    keysWritten.add(key);
                    c.setAutoCommit(true);
                    read.setInt(1, key);
                    try (ResultSet rs = read.executeQuery()) {
                        if (!rs.next() || rs.getInt(1) != key * 10) {
                            misses.incrementAndGet();
                        }
                    }
                    statements.incrementAndGet();
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join();
            }
        }

        void assertClean(String phase) {
            assertEquals(List.of(), failures, phase + ": the workload's failed statements");
            assertEquals(0, misses.get(), phase + ": rows not found right after they were written");
            assertTrue(statements.get() > 50, phase + ": the workload ran " + statements.get() + " statements");
            System.out.println("ShardMapStoreIT: " + phase + ": " + statements.get() + " statements, none failed");
        }
    }

    /** Keys the workload uses: never in buckets 4 or 5 of 6, which the tests move. */
    static final IntPredicate WORKLOAD_KEYS = key -> cell(key, 6) != 4 && cell(key, 6) != 5;
    static final AtomicInteger nextKey = new AtomicInteger();

    static void assertEveryRowFound() throws SQLException {
        for (PgSteerServer proxy : List.of(a, b)) {
            try (Connection c = connect(proxy); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM orders o JOIN items i ON i.customer_id = o.customer_id")) {
                rs.next();
                assertEquals(inserted.get(), rs.getInt(1));
            }
            try (Connection c = connect(proxy);
                 PreparedStatement read = c.prepareStatement("SELECT total FROM orders WHERE customer_id = ?")) {
                for (int key : keysWritten) {
                    read.setInt(1, key);
                    try (ResultSet rs = read.executeQuery()) {
                        assertTrue(rs.next(), "customer " + key + " found by key");
                    }
                }
            }
        }
    }

    @Test
    @Order(1)
    void aMapChangeThroughOneInstanceIsRoutedByTheOtherWithinASecondUnderLoad() throws Exception {
        assertEquals(version(a), version(b));
        int key = 0;
        while (cell(++key, 6) != 5) {
            // the first key in bucket 5 of 6
        }
        assertEquals(List.of("s2", "shard key of orders; bucket 5 of 6"), route(b, key));
        long tookMs;
        try (Workload load = new Workload(WORKLOAD_KEYS, nextKey)) {
            Thread.sleep(300);
            List<String> done = row(a, "SET BUCKET 5 OF orders TO s0");
            assertEquals(List.of("shop", "orders, items"), done.subList(0, 2));
            assertEquals("bucket 5 of 6 from s2 to s0", done.get(3));
            tookMs = untilRouted(b, key, List.of("s0", "shard key of orders; bucket 5 of 6"));
            Thread.sleep(300);
            load.close();
            load.assertClean("a bucket moved");
        }
        System.out.println("ShardMapStoreIT: the other instance routed the moved bucket " + tookMs + " ms after SET BUCKET");
        assertTrue(tookMs < 1000, "routed after " + tookMs + " ms");
        assertEquals(version(a), version(b));

        // Written through the instance that did not make the change: on the bucket's new shard.
        try (Connection c = connect(b); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO orders (customer_id, id, total) VALUES (" + key + ", 1, 1)");
        }
        try (Connection s0 = shards.get(0).direct(); Statement s = s0.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM orders WHERE customer_id = " + key)) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
        assertEveryRowFound();

        // The store holds the map, the group's tables alike, at the version both instances route by.
        try (Connection c = meta.direct(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT version FROM pgsteer.shard_map_version), table_name, shard "
                     + "FROM pgsteer.buckets WHERE modulus = 6 AND remainder = 5 ORDER BY table_name")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                assertEquals(version(a), rs.getLong(1));
                rows.add(rs.getString(2) + " on " + rs.getString(3));
            }
            assertEquals(List.of("items on s0", "orders on s0"), rows);
        }

        // Refused as the file's maps are: a shard the database lacks, a bucket the map lacks; nothing changes.
        long before = version(a);
        SQLException noShard = assertThrows(SQLException.class, () -> row(a, "SET BUCKET 5 OF orders TO s9"));
        assertEquals("22023", noShard.getSQLState());
        SQLException noBucket = assertThrows(SQLException.class, () -> row(a, "SET BUCKET '1 of 4' OF orders TO s1"));
        assertTrue(noBucket.getMessage().contains("there is no bucket 1 of 4"), noBucket.getMessage());
        SQLException badSplit = assertThrows(SQLException.class, () -> row(b, "SPLIT BUCKETS OF items INTO 9"));
        assertTrue(badSplit.getMessage().contains("give a multiple of 6"), badSplit.getMessage());
        assertEquals(before, version(a));
    }

    @Test
    @Order(2)
    void aSplitUnderLoadMovesNoRowAndExplainRouteShowsTheNewBuckets() throws Exception {
        long before = version(a);
        int key = 0;
        while (!WORKLOAD_KEYS.test(++key) || !keysWritten.contains(key)) {
            // a key the workload wrote
        }
        int cell12 = cell(key, 12);
        try (Workload load = new Workload(WORKLOAD_KEYS, nextKey)) {
            Thread.sleep(300);
            List<String> done = row(b, "SPLIT BUCKETS OF items INTO 12");
            assertEquals("orders, items", done.get(1));
            assertEquals(before + 1, Long.parseLong(done.get(2)));
            untilRouted(a, key, List.of("s" + cell(key, 6) % 3, "shard key of orders; bucket " + cell12 + " of 12"));
            Thread.sleep(300);
            load.close();
            load.assertClean("buckets split");
        }
        assertEquals(version(a), version(b));
        assertEveryRowFound();
        // Bucket 5 of 6 (moved to s0) is now 5 and 11 of 12, both on s0.
        try (Connection c = console(a); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW BUCKETS")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString("tables") + ": " + rs.getString("bucket") + " on " + rs.getString("shard"));
            }
            assertEquals(12, rows.size(), rows.toString());
            assertTrue(rows.contains("orders, items: 5 of 12 on s0") && rows.contains("orders, items: 11 of 12 on s0"), rows.toString());
            assertTrue(rows.contains("orders, items: 4 of 12 on s1") && rows.contains("orders, items: 10 of 12 on s1"), rows.toString());
        }
    }

    @Test
    @Order(3)
    void aTransactionOpenAcrossAChangeFailsWith40001OnlyIfItsBucketMoved() throws Exception {
        int key = 0;
        while (cell(++key, 12) != 4) {
            // bucket 4 of 12, on s1; its other half of 4 of 6 is bucket 10 of 12
        }
        try (Connection c = connect(a)) {
            c.setAutoCommit(false);
            try (PreparedStatement read = c.prepareStatement("SELECT count(*) FROM orders WHERE customer_id = ?")) {
                read.setInt(1, key);
                read.executeQuery().close();
                // Another bucket moves, through the other instance: the transaction goes on.
                row(b, "SET BUCKET 10 OF orders TO s2");
                untilVersion(a, version(b));
                read.executeQuery().close();
                c.createStatement().executeUpdate("INSERT INTO orders (customer_id, id, total) VALUES (" + key + ", 7, 7)");
                // Its own bucket moves: its next statement there is a serialization failure, named.
                row(b, "SET BUCKET 4 OF items TO s2");
                untilVersion(a, version(b));
                SQLException moved = assertThrows(SQLException.class, () -> read.executeQuery().close());
                assertEquals("40001", moved.getSQLState());
                assertTrue(moved.getMessage().contains("bucket 4 of 12 of table orders moved from s1 to s2"), moved.getMessage());
                c.rollback();
                // Retried, the transaction runs by the new map.
                read.executeQuery().close();
                c.commit();
            }
        }
        assertEquals(List.of("s2", "shard key of orders; bucket 4 of 12"), route(a, key));
    }

    static void untilVersion(PgSteerServer proxy, long version) throws Exception {
        long start = System.nanoTime();
        while (version(proxy) < version && System.nanoTime() - start < 5_000_000_000L) {
            Thread.sleep(10);
        }
        assertEquals(version, version(proxy));
    }
}
