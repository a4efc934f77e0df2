package dev.pgsteer.config.yaml;

import static dev.pgsteer.config.yaml.ConfigErrorsTest.failure;
import static dev.pgsteer.config.yaml.ConfigErrorsTest.onlyProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMap.Bucket;
import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ConfigProblem;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code buckets:} and {@code placement:} of a hash-sharded table: what they load as, and each wrong
 * map reported with its line and fix. The backends s0, s1, s2 are lines 1 to 4; {@code databases:}
 * is line 5, {@code shop:} 6, {@code shards:} 7, {@code tables:} 8, the first table 9.
 */
class BucketConfigTest {

    private static final String HEAD = """
            backends:
              s0: { url: "postgresql://app@h0/shop" }
              s1: { url: "postgresql://app@h1/shop" }
              s2: { url: "postgresql://app@h2/shop" }
            databases:
              shop:
                shards: [s0, s1, s2]
                tables:
            """;

    private static DatabaseConfig shop(String tables) {
        return ConfigLoader.parse(HEAD + tables.indent(6), "pgsteer.yaml", Map.of()).databases().get("shop");
    }

    private static TableConfig.Sharded table(DatabaseConfig shop, String name) {
        return (TableConfig.Sharded) shop.table(name).orElseThrow();
    }

    private static ConfigProblem problem(String tables) {
        return onlyProblem(failure(HEAD + tables.indent(6)));
    }

    private static void assertProblem(ConfigProblem p, int line, String what, String fix) {
        assertEquals(List.of(line, what, fix), List.of(p.line(), p.what(), p.fix()), p.toString());
    }

    @Test
    void withoutBucketsATableHasOneBucketPerShardAsBefore() {
        DatabaseConfig shop = shop("orders: { key: customer_id, function: hash }");

        TableConfig.Sharded orders = table(shop, "orders");
        assertEquals(new ShardFunction.Hash(), orders.function(), "the file's meaning is unchanged");
        assertEquals(BucketMap.even(3, List.of("s0", "s1", "s2")), shop.bucketsOf(orders));
        assertEquals(List.of("s0", "s1", "s2"), shop.shardsOf(orders));
    }

    @Test
    void theDefaultWrittenOutIsTheDefault() {
        DatabaseConfig shop = shop("""
                orders: { key: customer_id, function: hash, buckets: 3 }
                items:
                  key: customer_id
                  function: hash
                  placement: { s0: [0], s1: [1], s2: [2] }
                  buckets: 3
                """);

        // Equal functions: co-located with every table that leaves buckets out.
        assertEquals(new ShardFunction.Hash(), table(shop, "orders").function());
        assertEquals(new ShardFunction.Hash(), table(shop, "items").function());
    }

    @Test
    void bucketsSpreadOverTheShardsInTurn() {
        DatabaseConfig shop = shop("orders: { key: customer_id, function: hash, buckets: 12 }");

        BucketMap map = shop.bucketsOf(table(shop, "orders"));
        assertEquals(BucketMap.even(12, List.of("s0", "s1", "s2")), map);
        assertEquals(new Bucket(12, 7, "s1"), map.placement().get(7));
    }

    @Test
    void aPlacementWithMixedModuli() {
        DatabaseConfig shop = shop("""
                orders:
                  key: customer_id
                  function: hash
                  placement: { s0: ['0 of 2'], s1: ['1 of 4', '3 of 8'], s2: ['7 of 8'] }
                items:
                  key: customer_id
                  function: hash
                  buckets: 8
                  placement: { s0: ['0 of 2'], s1: ['1 of 4', 3], s2: [7] }
                """);

        BucketMap expected = new BucketMap(8, List.of(new Bucket(2, 0, "s0"), new Bucket(4, 1, "s1"), new Bucket(8, 3, "s1"),
                new Bucket(8, 7, "s2")));
        assertEquals(expected, shop.bucketsOf(table(shop, "orders")), "buckets: is the largest modulus when left out");
        assertEquals(table(shop, "orders").function(), table(shop, "items").function(), "one map, two spellings");
    }

    @Test
    void aShardWithNoBucketHoldsNoRowsOfTheTable() {
        DatabaseConfig shop = shop("orders: { key: customer_id, function: hash, buckets: 2, placement: { s2: [0], s0: [1] } }");

        assertEquals(List.of("s0", "s2"), shop.shardsOf(table(shop, "orders")), "in the order of shards:");
    }

    @Test
    void overlappingBucketsAreReportedOnTheLineOfTheSecond() {
        assertProblem(problem("""
                orders:
                  key: customer_id
                  function: hash
                  buckets: 4
                  placement:
                    s0: ['0 of 2']
                    s1: [1, 3]
                    s2: [2]
                """), 16, "databases.shop.tables.orders.placement: bucket 2 of 4 overlaps bucket 0 of 2 (both hold the keys "
                        + "of bucket 2 of 4)",
                "place each key once: remove one of them, or split the larger one");
    }

    @Test
    void aMapThatLeavesHashesOutIsReportedWithTheMissingBuckets() {
        assertProblem(problem("orders: { key: customer_id, function: hash, buckets: 6, placement: { s0: [0, 2, 4], s1: [1] } }"),
                9, "databases.shop.tables.orders.placement: no bucket holds the keys of buckets 3, 5 of 6",
                "place every bucket of 6 on a shard, directly or in a bucket of a smaller modulus");
    }

    @Test
    void moduliThatDoNotDivideEachOtherAreRefusedAsPostgresqlRefusesThem() {
        assertProblem(problem("""
                orders:
                  key: customer_id
                  function: hash
                  buckets: 12
                  placement:
                    s0: ['0 of 4']
                    s1: ['1 of 6', 2, 3, 5]
                    s2: [6, 9, 10, 11]
                """), 15, "databases.shop.tables.orders.placement: modulus 6 is not a multiple of modulus 4, which another "
                        + "bucket uses; PostgreSQL's hash partitions need each modulus to divide the next larger one",
                "split the buckets of modulus 4 and 6 into buckets of one modulus that both divide");
    }

    @Test
    void aModulusMustDivideTheBuckets() {
        assertProblem(problem("""
                orders:
                  key: customer_id
                  function: hash
                  buckets: 8
                  placement: { s0: ['0 of 3'], s1: [1] }
                """), 13, "databases.shop.tables.orders.placement: bucket 0 of 3: 3 does not divide the 8 buckets",
                "use a modulus that divides 8, or set buckets: to a multiple of 3");
    }

    @Test
    void aBareBucketNeedsBuckets() {
        assertProblem(problem("orders: { key: customer_id, function: hash, placement: { s0: ['0 of 2'], s1: [1] } }"), 9,
                "databases.shop.tables.orders.placement places bucket 1, but databases.shop.tables.orders.buckets does not "
                        + "say of how many",
                "add buckets: N (the number of buckets), or write the bucket as '1 of N'");
    }

    @Test
    void aPlacementShardMustBeOneOfTheDatabasesShards() {
        assertProblem(problem("orders: { key: customer_id, function: hash, buckets: 2, placement: { s0: [0], s3: [1] } }"), 9,
                "databases.shop.tables.orders.placement.s3 names shard 's3', which is not defined",
                "did you mean 's0'? use one of databases.shop.shards (s0, s1, s2)");
    }

    @Test
    void aBucketIsANumberOrROfM() {
        assertProblem(problem("orders: { key: customer_id, function: hash, buckets: 2, placement: { s0: [0], s1: [half] } }"), 9,
                "databases.shop.tables.orders.placement.s1[0]: 'half' is not a bucket",
                "write a bucket number (of buckets:), or 'r of m' for remainder r of modulus m");
    }

    @Test
    void tooManyBuckets() {
        assertProblem(problem("orders: { key: customer_id, function: hash, buckets: 5000 }"), 9,
                "databases.shop.tables.orders.buckets: 5000 is too many; at most 4096", "use at most 4096 buckets");
    }

    @Test
    void bucketsBelongToHashAlone() {
        ConfigException e = failure(HEAD + """
                      regions: { key: region, function: list, lists: {eu: s0}, buckets: 4 }
                      currencies: { kind: reference, placement: { s0: [0] } }
                """);
        assertEquals(2, e.problems().size(), e.getMessage());
        assertProblem(e.problems().get(0), 9, "databases.shop.tables.regions.buckets does not apply to function list",
                "remove buckets:, or use function: hash");
        assertProblem(e.problems().get(1), 10, "databases.shop.tables.currencies is a reference table, so 'placement' does "
                + "not apply", "remove placement:, or make it a sharded table (remove kind: reference)");
    }

    @Test
    void aNullPlacementIsTheDefault() {
        DatabaseConfig shop = shop("orders: { key: customer_id, function: hash, buckets: 6, placement: }");
        assertEquals(BucketMap.even(6, List.of("s0", "s1", "s2")), shop.bucketsOf(table(shop, "orders")));
    }
}
