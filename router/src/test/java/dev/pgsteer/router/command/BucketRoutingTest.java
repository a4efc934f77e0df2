package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMap.Bucket;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.PgHash;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Routing by bucket, with PostgreSQL's real hash ({@code PgHash}, checked against a server by
 * {@code HashPartitionAgreementIT} and {@code BucketPartitionAgreementIT}). Integer key k is in cell
 * hash(k) mod 12 of orders, and mod 8 of payments:
 *
 * <pre>
 *   key       0  2  3  4  5  7  9 13 16 22
 *   mod 12    8  6  1  3  5  7  5 10  0 11
 *   mod 8     0  2  1  3  5  7  5  6  0  7
 * </pre>
 *
 * <pre>
 *   orders, items   customer_id, 12 buckets, bucket b on s(b mod 3)
 *   payments        customer_id, 8 buckets: 0 of 2 on s0, 1 of 4 on s1, 3 of 8 on s1, 7 of 8 on s2
 *   customers       id, one bucket per shard (the default)
 * </pre>
 */
class BucketRoutingTest {
    static final List<String> SHARDS = List.of("s0", "s1", "s2");
    static final BucketMap TWELVE = BucketMap.even(12, SHARDS);
    static final BucketMap MIXED = new BucketMap(8, List.of(new Bucket(2, 0, "s0"), new Bucket(4, 1, "s1"),
            new Bucket(8, 3, "s1"), new Bucket(8, 7, "s2")));
    static final DatabaseConfig SHOP = shop();

    final Router router = new Router(ShardRouter.of(SHOP, 100));

    private static DatabaseConfig shop() {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        tables.put("orders", hashed("orders", "customer_id", TWELVE));
        tables.put("items", hashed("items", "customer_id", TWELVE));
        tables.put("payments", hashed("payments", "customer_id", MIXED));
        tables.put("customers", hashed("customers", "id", null));
        return new DatabaseConfig("shop", SHARDS, "s0", tables, null, PoolConfig.defaults());
    }

    private static TableConfig.Sharded hashed(String name, String key, BucketMap buckets) {
        return new TableConfig.Sharded(name, key, new ShardFunction.Hash(buckets), KeyType.INTEGER);
    }

    String answer(String sql) {
        return RouterFixture.describe(router.route(SqlLexer.statement(sql), KeySource.Placeholders.NONE,
                new RouteContext(Set.of(), false, false)));
    }

    @Test
    void theTableOfKeysIsPostgresqlsHash() {
        long[] keys = {0, 2, 3, 4, 5, 7, 9, 13, 16, 22};
        int[] mod12 = {8, 6, 1, 3, 5, 7, 5, 10, 0, 11};
        int[] mod8 = {0, 2, 1, 3, 5, 7, 5, 6, 0, 7};
        for (int i = 0; i < keys.length; i++) {
            assertEquals(mod12[i], PgHash.remainder(new KeyValue.Int(keys[i]), 12), "key " + keys[i]);
            assertEquals(mod8[i], PgHash.remainder(new KeyValue.Int(keys[i]), 8), "key " + keys[i]);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT * FROM orders WHERE customer_id = 5                    | run s2 one read (shard key of orders)
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = 5      | explain route s2 one read (shard key of orders; bucket 5 of 12)
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = 3      | explain route s1 one read (shard key of orders; bucket 1 of 12)
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = 16     | explain route s0 one read (shard key of orders; bucket 0 of 12)
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = 2      | explain route s0 one read (shard key of orders; bucket 6 of 12)
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id IN (5, 9)   | explain route s2 one read (shard key of orders; bucket 5 of 12)
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id IN (5, 22)  | explain route s2 one read (shard key of orders; buckets 5 of 12, 11 of 12)
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id IN (3, 5, 16) | explain route s0 s1 s2 combine read (shard key of orders; buckets 0 of 12, 1 of 12, 5 of 12)
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = 5 OR customer_id = 3 | explain route s1 s2 combine read (shard key of orders; buckets 1 of 12, 5 of 12)
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id IN (3, 5) AND customer_id = 5 | explain route s2 one read (shard key of orders; bucket 5 of 12)
            EXPLAIN ROUTE SELECT * FROM orders                            | explain route s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            EXPLAIN ROUTE UPDATE orders SET total = 1 WHERE customer_id = 22 | explain route s2 one write (shard key of orders; bucket 11 of 12)
            EXPLAIN ROUTE INSERT INTO orders (id, customer_id) VALUES (1, 3), (2, 16) | explain route s0 s1 combine write (shard key of orders, rows split by shard; buckets 0 of 12, 1 of 12)
            EXPLAIN ROUTE INSERT INTO orders (id, customer_id) VALUES (1, 5), (2, 9) | explain route s2 one write (shard key of orders; bucket 5 of 12)
            """)
    void twelveBucketsOverThreeShards(String sql, String command) {
        assertEquals(command, answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            EXPLAIN ROUTE SELECT * FROM payments WHERE customer_id = 0    | explain route s0 one read (shard key of payments; bucket 0 of 2)
            EXPLAIN ROUTE SELECT * FROM payments WHERE customer_id = 13   | explain route s0 one read (shard key of payments; bucket 0 of 2)
            EXPLAIN ROUTE SELECT * FROM payments WHERE customer_id = 3    | explain route s1 one read (shard key of payments; bucket 1 of 4)
            EXPLAIN ROUTE SELECT * FROM payments WHERE customer_id = 5    | explain route s1 one read (shard key of payments; bucket 1 of 4)
            EXPLAIN ROUTE SELECT * FROM payments WHERE customer_id = 4    | explain route s1 one read (shard key of payments; bucket 3 of 8)
            EXPLAIN ROUTE SELECT * FROM payments WHERE customer_id = 7    | explain route s2 one read (shard key of payments; bucket 7 of 8)
            EXPLAIN ROUTE SELECT * FROM payments WHERE customer_id IN (3, 5, 4) | explain route s1 one read (shard key of payments; buckets 1 of 4, 3 of 8)
            EXPLAIN ROUTE SELECT * FROM payments WHERE customer_id IN (0, 7) | explain route s0 s2 combine read (shard key of payments; buckets 0 of 2, 7 of 8)
            """)
    void mixedModuli(String sql, String command) {
        assertEquals(command, answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT * FROM orders o JOIN items i ON i.customer_id = o.customer_id WHERE o.customer_id = 5 | run s2 one read (shard key of orders, items)
            SELECT * FROM orders o JOIN items i ON i.customer_id = o.customer_id                         | run s0 s1 s2 combine read (no usable condition on the shard key of orders, items: every shard)
            SELECT * FROM orders o JOIN payments p ON p.customer_id = o.customer_id                      | coordinate on s0 pulling orders payments
            SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id                              | coordinate on s0 pulling orders customers
            """)
    void onlyTablesWithTheSameBucketsAreJoinedShardByShard(String sql, String command) {
        assertEquals(command, answer(sql));
    }

    @Test
    void aParameterIsPlacedInItsBucket() {
        String explained = RouterFixture.describe(router.route(SqlLexer.statement(
                        "EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = $1"), n -> KeySource.text("22"),
                new RouteContext(Set.of(), false, true)));
        assertEquals("explain route s2 one read (shard key of orders; bucket 11 of 12)", explained);
    }

    @Test
    void twelveBucketsKeepEveryRowOnTheShardOfOneBucketPerShard() throws RoutingException {
        // 3 divides 12: hash mod 12 mod 3 is hash mod 3, so buckets: 12 moves no row of an existing table.
        ShardRouter shards = router.shards();
        TableConfig.Sharded orders = (TableConfig.Sharded) SHOP.table("orders").orElseThrow();
        TableConfig.Sharded customers = (TableConfig.Sharded) SHOP.table("customers").orElseThrow();
        for (long k = -5000; k < 5000; k += 7) {
            KeySource key = KeySource.text(Long.toString(k));
            assertEquals(shards.shardIndex(customers, key), shards.shardIndex(orders, key), "key " + k);
        }
    }
}
