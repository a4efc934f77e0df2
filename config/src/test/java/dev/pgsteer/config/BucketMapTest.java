package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.config.BucketMap.Bucket;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which placements partition the hash space, as PostgreSQL's hash partitions must. */
class BucketMapTest {

    private static Bucket b(int remainder, int modulus, String shard) {
        return new Bucket(modulus, remainder, shard);
    }

    @Test
    void evenPlacesBucketBOnShardBModTheShards() {
        BucketMap map = BucketMap.even(12, List.of("s0", "s1", "s2"));

        assertEquals(12, map.placement().size());
        assertEquals(new Bucket(12, 5, "s2"), map.placement().get(5));
        assertArrayEquals(new String[] {"s0", "s1", "s2", "s0", "s1", "s2", "s0", "s1", "s2", "s0", "s1", "s2"},
                map.shardOfCell());
        assertEquals(List.of("s0", "s1", "s2"), map.shards());
    }

    @Test
    void mixedModuliThatDivideEachOtherAndCoverEveryHashOnceAreValid() {
        BucketMap map = new BucketMap(8, List.of(b(3, 4, "s2"), b(0, 2, "s0"), b(1, 8, "s1"), b(5, 8, "s0")));

        // Sorted by modulus, then remainder: the same buckets in any order are the same map.
        assertEquals(List.of("0 of 2", "3 of 4", "1 of 8", "5 of 8"), map.placement().stream().map(Bucket::label).toList());
        assertArrayEquals(new String[] {"s0", "s1", "s0", "s2", "s0", "s0", "s0", "s2"}, map.shardOfCell());
        assertEquals(map, new BucketMap(8, List.of(b(5, 8, "s0"), b(1, 8, "s1"), b(0, 2, "s0"), b(3, 4, "s2"))));
    }

    @Test
    void aModulusThatDoesNotDivideTheNextLargerIsRefused() {
        // 0 of 4, 1 of 6 and the rest of 12 do cover every hash once, but PostgreSQL refuses moduli 4 and 6.
        List<Bucket> placement = List.of(b(0, 4, "s0"), b(1, 6, "s1"), b(2, 12, "s2"), b(3, 12, "s2"), b(5, 12, "s2"),
                b(6, 12, "s2"), b(9, 12, "s2"), b(10, 12, "s2"), b(11, 12, "s2"));
        assertEquals(Optional.of(new BucketMap.Invalid(1, "modulus 6 is not a multiple of modulus 4, which another bucket "
                        + "uses; PostgreSQL's hash partitions need each modulus to divide the next larger one",
                        "split the buckets of modulus 4 and 6 into buckets of one modulus that both divide")),
                BucketMap.check(12, placement));
    }

    @Test
    void overlappingBucketsAreRefusedNamingBoth() {
        assertEquals(Optional.of(new BucketMap.Invalid(2, "bucket 2 of 4 overlaps bucket 0 of 2 (both hold the keys of "
                        + "bucket 2 of 4)", "place each key once: remove one of them, or split the larger one")),
                BucketMap.check(4, List.of(b(0, 2, "s0"), b(1, 2, "s1"), b(2, 4, "s2"))));
    }

    @Test
    void aHashNoBucketHoldsIsRefusedNamingTheMissingBuckets() {
        assertEquals(Optional.of(new BucketMap.Invalid(-1, "no bucket holds the keys of buckets 3, 7 of 8",
                        "place every bucket of 8 on a shard, directly or in a bucket of a smaller modulus")),
                BucketMap.check(8, List.of(b(0, 2, "s0"), b(1, 8, "s1"), b(5, 8, "s2"))));
    }

    @Test
    void aModulusMustDivideTheBucketsAndARemainderBeBelowItsModulus() {
        assertEquals(Optional.of(new BucketMap.Invalid(0, "bucket 0 of 3: 3 does not divide the 8 buckets",
                        "use a modulus that divides 8, or set buckets: to a multiple of 3")),
                BucketMap.check(8, List.of(b(0, 3, "s0"))));
        assertEquals("bucket 4 of 4 is not a bucket: the remainder must be 0 to 3",
                BucketMap.check(4, List.of(b(4, 4, "s0"))).orElseThrow().why());
        assertEquals(-1, BucketMap.check(BucketMap.MAX_BUCKETS + 1, List.of()).orElseThrow().index());
    }

    @Test
    void aMapBuiltInCodeIsCheckedToo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BucketMap(2, List.of(b(0, 2, "s0"))));
        assertEquals("no bucket holds the keys of bucket 1 of 2", e.getMessage());
    }

    @Test
    void everyCellOfAValidMapHasExactlyOneBucket() {
        BucketMap map = new BucketMap(16, List.of(b(0, 2, "a"), b(1, 4, "b"), b(3, 8, "c"), b(7, 16, "d"), b(15, 16, "a")));
        for (int c = 0; c < 16; c++) {
            int cell = c;
            List<Bucket> holders = map.placement().stream().filter(p -> p.holds(cell)).toList();
            assertEquals(1, holders.size(), "cell " + cell + ": " + holders);
            assertEquals(holders.getFirst().shard(), map.shardOfCell()[cell]);
        }
    }

    @Test
    void aDatabaseBuiltInCodeRefusesBucketsOnAShardItDoesNotHave() {
        TableConfig orders = new TableConfig.Sharded("orders", "customer_id",
                new ShardFunction.Hash(new BucketMap(2, List.of(b(0, 2, "s0"), b(1, 2, "s9")))), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DatabaseConfig("shop",
                List.of("s0", "s1"), "s0", java.util.Map.of("orders", orders), null, PoolConfig.defaults()));
        assertEquals("database shop: table orders names shard s9, which is not one of its shards", e.getMessage());
    }
}
