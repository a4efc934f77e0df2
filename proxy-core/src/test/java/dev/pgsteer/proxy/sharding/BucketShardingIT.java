package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hash buckets through pgsteer with pgjdbc, over three real shards: orders and items in 12 buckets
 * (bucket b on shard b mod 3), payments in mixed moduli (0 of 2 on s0, 1 of 4 on s1, 3 of 4 on s2).
 * Each shard is checked with PostgreSQL's own {@code satisfies_hash_partition}: every row it holds
 * is in one of the buckets the map gives it.
 */
class BucketShardingIT {
    static final String TABLES = """
                  orders:   { key: customer_id, function: hash, buckets: 12 }
                  items:    { key: customer_id, function: hash, buckets: 12 }
                  payments: { key: customer_id, function: hash, buckets: 4, placement: { s0: ['0 of 2'], s1: [1], s2: [3] } }
            """;
    static final int CUSTOMERS = 300;

    static ShardedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.withTables(TABLES);
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id bigint, customer_id int NOT NULL, total int, PRIMARY KEY (customer_id, id))");
            s.execute("CREATE TABLE items (order_id bigint, customer_id int NOT NULL, sku text)");
            s.execute("CREATE TABLE payments (customer_id int NOT NULL, amount int)");
        }
        for (int i = 0; i < 3; i++) {
            try (Connection c = cluster.shard(i); Statement s = c.createStatement()) {
                // Only for satisfies_hash_partition, which asks for a table hash-partitioned on the key's type.
                s.execute("CREATE TABLE by_int (k int) PARTITION BY HASH (k)");
            }
        }
        try (Connection c = cluster.connect()) {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO orders (id, customer_id, total) VALUES (?, ?, ?)")) {
                for (int k = 1; k <= CUSTOMERS; k++) {
                    insert.setLong(1, k);
                    insert.setInt(2, k);
                    insert.setInt(3, k * 10);
                    insert.executeUpdate();
                }
            }
            try (Statement s = c.createStatement()) {
                // Multi-row INSERTs, split by shard.
                StringBuilder items = new StringBuilder("INSERT INTO items (order_id, customer_id, sku) VALUES ");
                StringBuilder payments = new StringBuilder("INSERT INTO payments (customer_id, amount) VALUES ");
                for (int k = 1; k <= CUSTOMERS; k++) {
                    items.append(k > 1 ? ", " : "").append("(").append(k).append(", ").append(k).append(", 'sku-").append(k).append("')");
                    payments.append(k > 1 ? ", " : "").append("(").append(k).append(", ").append(k).append(")");
                }
                assertEquals(CUSTOMERS, s.executeUpdate(items.toString()));
                assertEquals(CUSTOMERS, s.executeUpdate(payments.toString()));
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    /** Rows of {@code table} on shard {@code shard} that none of {@code buckets} ("remainder of modulus") holds. */
    private static int misplaced(int shard, String table, List<int[]> buckets) throws SQLException {
        StringBuilder in = new StringBuilder();
        for (int[] b : buckets) {
            in.append(in.isEmpty() ? "" : " OR ").append("satisfies_hash_partition('by_int'::regclass, ").append(b[1])
                    .append(", ").append(b[0]).append(", customer_id)");
        }
        try (Connection c = cluster.shard(shard); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE NOT (" + in + ")), count(*) FROM " + table)) {
            rs.next();
            assertTrue(rs.getInt(2) > 0, table + " has rows on shard s" + shard);
            return rs.getInt(1);
        }
    }

    private static long count(String sql) throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void everyRowIsOnTheShardOfItsBucket() throws SQLException {
        for (int shard = 0; shard < 3; shard++) {
            List<int[]> twelve = new ArrayList<>();
            for (int b = shard; b < 12; b += 3) {
                twelve.add(new int[] {b, 12});
            }
            assertEquals(0, misplaced(shard, "orders", twelve), "orders on s" + shard);
            assertEquals(0, misplaced(shard, "items", twelve), "items on s" + shard);
            // 12 buckets over 3 shards put every row where one bucket per shard (modulus 3) put it.
            assertEquals(0, misplaced(shard, "orders", List.<int[]>of(new int[] {shard, 3})), "orders on s" + shard);
        }
        assertEquals(0, misplaced(0, "payments", List.<int[]>of(new int[] {0, 2})));
        assertEquals(0, misplaced(1, "payments", List.<int[]>of(new int[] {1, 4})));
        assertEquals(0, misplaced(2, "payments", List.<int[]>of(new int[] {3, 4})));
    }

    @Test
    void readsByKeyFindEveryRowAndReadsWithoutOneSeeThemAll() throws SQLException {
        assertEquals(CUSTOMERS, count("SELECT count(*) FROM orders"));
        assertEquals(CUSTOMERS, count("SELECT count(*) FROM payments"));
        try (Connection c = cluster.connect();
             PreparedStatement byKey = c.prepareStatement("SELECT o.total, i.sku, p.amount FROM orders o"
                     + " JOIN items i ON i.customer_id = o.customer_id"
                     + " JOIN payments p ON p.customer_id = o.customer_id WHERE o.customer_id = ? AND i.customer_id = ?"
                     + " AND p.customer_id = ?")) {
            for (int k = 1; k <= CUSTOMERS; k += 7) {
                byKey.setInt(1, k);
                byKey.setInt(2, k);
                byKey.setInt(3, k);
                try (ResultSet rs = byKey.executeQuery()) {
                    assertTrue(rs.next(), "customer " + k);
                    assertEquals(List.of(k * 10, "sku-" + k, k), List.of(rs.getInt(1), rs.getString(2), rs.getInt(3)));
                }
            }
        }
        assertEquals(10, count("SELECT count(*) FROM orders WHERE customer_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)"));
        assertEquals(10, count("SELECT count(*) FROM payments WHERE customer_id = ANY('{11,12,13,14,15,16,17,18,19,20}')"));
        // Co-located: joined shard by shard, every row found.
        assertEquals(CUSTOMERS, count("SELECT count(*) FROM orders o JOIN items i ON i.customer_id = o.customer_id"));
        // Not co-located (other buckets): the coordinator step joins them, every row found too.
        assertEquals(CUSTOMERS, count("SELECT count(*) FROM orders o JOIN payments p ON p.customer_id = o.customer_id"));
    }

    @Test
    void writesByKeyReachTheirBucket() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            assertEquals(1, s.executeUpdate("UPDATE payments SET amount = amount + 1000 WHERE customer_id = 42"));
            assertEquals(3, s.executeUpdate("UPDATE orders SET total = total + 1 WHERE customer_id IN (5, 6, 7)"));
        }
        assertEquals(1042, count("SELECT amount FROM payments WHERE customer_id = 42"));
        assertEquals(61, count("SELECT total FROM orders WHERE customer_id = 6"));
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE payments SET amount = amount - 1000 WHERE customer_id = 42");
            s.executeUpdate("UPDATE orders SET total = total - 1 WHERE customer_id IN (5, 6, 7)");
        }
    }

    @Test
    void explainRouteNamesTheBucket() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            for (int k = 1; k <= 40; k++) {
                int bucket = bucketOf(k, 12);
                try (ResultSet rs = s.executeQuery("EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = " + k)) {
                    rs.next();
                    assertEquals("s" + bucket % 3, rs.getString("shards"), "customer " + k);
                    assertEquals("shard key of orders; bucket " + bucket + " of 12", rs.getString("reason"));
                }
            }
        }
    }

    /** The remainder PostgreSQL's hash partitioning gives key {@code k} of type int in modulus {@code modulus}. */
    private static int bucketOf(int k, int modulus) throws SQLException {
        try (Connection c = cluster.shard(0); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT r FROM generate_series(0, " + (modulus - 1) + ") r"
                     + " WHERE satisfies_hash_partition('by_int'::regclass, " + modulus + ", r, " + k + ")")) {
            rs.next();
            int bucket = rs.getInt(1);
            assertTrue(!rs.next(), "one remainder");
            return bucket;
        }
    }
}
