package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BucketMap.Bucket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's changes to a bucket map: each a valid map, a split with no key changing shard. */
class BucketMapEditsTest {

    private static final List<String> SHARDS = List.of("s0", "s1", "s2");

    @Test
    void aSplitPutsBucketsBPlusIBOnTheShardThatHeldB() {
        BucketMap twelve = BucketMap.even(12, SHARDS);
        BucketMap split = BucketMapEdits.split(twelve, 24);

        assertEquals(24, split.buckets());
        assertEquals(24, split.placement().size());
        for (int b = 0; b < 12; b++) {
            assertEquals(twelve.placement().get(b).shard(), split.placement().get(b).shard());
            assertEquals(twelve.placement().get(b).shard(), split.placement().get(b + 12).shard(), "bucket " + (b + 12));
        }
        // No key changes shard: every cell of 24 is on the shard of its cell of 12.
        String[] before = twelve.shardOfCell();
        String[] after = split.shardOfCell();
        for (int cell = 0; cell < 24; cell++) {
            assertEquals(before[cell % 12], after[cell]);
        }
        assertEquals(List.of(), BucketMoves.between(twelve, split));
        assertEquals(List.of(), BucketMoves.between(split, twelve));
    }

    @Test
    void aSplitOfMixedModuliRefinesEveryBucketIntoOneModulus() {
        BucketMap mixed = new BucketMap(4, List.of(new Bucket(2, 0, "s0"), new Bucket(4, 1, "s1"), new Bucket(4, 3, "s2")));
        BucketMap split = BucketMapEdits.split(mixed, 8);

        assertArrayEquals(new String[] {"s0", "s1", "s0", "s2", "s0", "s1", "s0", "s2"}, split.shardOfCell());
        assertTrue(split.placement().stream().allMatch(b -> b.modulus() == 8));
        assertEquals(List.of(), BucketMoves.between(mixed, split));
    }

    @Test
    void aSplitMustBeIntoAMultipleAboveTheBucketsAndWithinTheLimit() {
        BucketMap twelve = BucketMap.even(12, SHARDS);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BucketMapEdits.split(twelve, 18)).getMessage()
                .contains("give a multiple of 12"));
        assertThrows(IllegalArgumentException.class, () -> BucketMapEdits.split(twelve, 12));
        assertThrows(IllegalArgumentException.class, () -> BucketMapEdits.split(twelve, 6));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BucketMapEdits.split(twelve, 12 * 400)).getMessage()
                .contains("at most 4096"));
    }

    @Test
    void aMoveChangesOneBucketsShardAndThatBucketMoves() {
        BucketMap twelve = BucketMap.even(12, SHARDS);
        BucketMap moved = BucketMapEdits.move(twelve, BucketMapEdits.bucket(twelve, "5"), "s0");

        assertEquals("s0", moved.placement().get(5).shard());
        assertEquals(List.of(new BucketMoves.Move(new Bucket(12, 5, "s2"), java.util.Set.of("s0"))), BucketMoves.between(twelve, moved));
        assertEquals(moved, BucketMapEdits.move(twelve, BucketMapEdits.bucket(twelve, "5 of 12"), "s0"));
    }

    @Test
    void aBucketIsNamedByItsRemainderOrAsROfM() {
        BucketMap mixed = new BucketMap(4, List.of(new Bucket(2, 0, "s0"), new Bucket(4, 1, "s1"), new Bucket(4, 3, "s2")));

        assertEquals(new Bucket(2, 0, "s0"), BucketMapEdits.bucket(mixed, "0 OF 2"));
        assertEquals(new Bucket(4, 3, "s2"), BucketMapEdits.bucket(mixed, "3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BucketMapEdits.bucket(mixed, "2")).getMessage()
                .contains("there is no bucket 2 of 4; the buckets are 0 of 2, 1 of 4, 3 of 4"));
        assertThrows(IllegalArgumentException.class, () -> BucketMapEdits.bucket(mixed, "two"));
    }

    @Test
    void overlappingBucketsOfDifferentModuliMoveTogether() {
        // 0 of 2 on s0 becomes 0 of 4 on s0 and 2 of 4 on s1: the old bucket's keys are partly elsewhere.
        BucketMap before = new BucketMap(4, List.of(new Bucket(2, 0, "s0"), new Bucket(2, 1, "s1")));
        BucketMap after = new BucketMap(4, List.of(new Bucket(4, 0, "s0"), new Bucket(4, 2, "s1"), new Bucket(2, 1, "s1")));

        assertEquals(List.of(new BucketMoves.Move(new Bucket(2, 0, "s0"), java.util.Set.of("s1"))), BucketMoves.between(before, after));
        assertEquals(List.of(new BucketMoves.Move(new Bucket(4, 2, "s1"), java.util.Set.of("s0"))), BucketMoves.between(after, before));
    }

    @Test
    void aGroupIsEveryHashTableWithTheSameMapWrittenEitherWay() {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        tables.put("orders", new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(), null));
        tables.put("items", new TableConfig.Sharded("items", "customer_id", new ShardFunction.Hash(BucketMap.even(3, SHARDS)), null));
        tables.put("payments", new TableConfig.Sharded("payments", "customer_id", new ShardFunction.Hash(BucketMap.even(6, SHARDS)), null));
        tables.put("regions", new TableConfig.Sharded("regions", "region", new ShardFunction.ListOf(Map.of("eu", "s0")), null));
        DatabaseConfig shop = new DatabaseConfig("shop", SHARDS, "s0", tables, null, PoolConfig.defaults());

        assertEquals(List.of("orders", "items"), BucketMapEdits.group(shop, (TableConfig.Sharded) tables.get("orders")));
        assertEquals(List.of("payments"), BucketMapEdits.group(shop, (TableConfig.Sharded) tables.get("payments")));
    }
}
