package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BucketBalance.Move;
import dev.pgsteer.config.BucketBalance.Plan;
import dev.pgsteer.config.BucketMap.Bucket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * REBALANCE and SPLIT SHARD as plans: each move a bucket from one shard to another, applied one after
 * the other to the map, ending with every shard within one bucket of an equal share (REBALANCE), or
 * the target holding half the source's share (SPLIT SHARD).
 */
class BucketBalanceTest {

    private static final List<String> TWO = List.of("s0", "s1");
    private static final List<String> FOUR = List.of("s0", "s1", "s2", "s3");

    @Test
    void twelveBucketsOnTwoShardsSpreadOverFourMovesSixBuckets() {
        BucketMap map = BucketMap.even(12, TWO);

        Plan plan = BucketBalance.rebalance(map, FOUR);

        assertEquals(0, plan.splitInto());
        assertEquals(6, plan.moves().size(), plan.toString());
        assertEquals(Map.of("s0", 3, "s1", 3, "s2", 3, "s3", 3), cells(apply(map, plan)));
        // Each move leaves a shard that was fullest for one that was emptiest: none goes back.
        for (Move m : plan.moves()) {
            assertTrue(TWO.contains(m.from()) && !TWO.contains(m.to()), m.toString());
        }
    }

    @Test
    void aBalancedMapNeedsNoMove() {
        assertTrue(BucketBalance.rebalance(BucketMap.even(12, FOUR), FOUR).isEmpty());
        // 3 cells against 2: within one bucket, nothing to gain by moving one.
        assertTrue(BucketBalance.rebalance(BucketMap.even(5, TWO), TWO).isEmpty());
    }

    @Test
    void fewerBucketsThanShardsAreDoubledFirst() {
        // One bucket per shard (the default without buckets:) and two shards added: 2 buckets, 4 shards.
        BucketMap map = BucketMap.even(2, TWO);

        Plan plan = BucketBalance.rebalance(map, FOUR);

        assertEquals(4, plan.splitInto());
        assertEquals(Map.of("s0", 1, "s1", 1, "s2", 1, "s3", 1), cells(apply(map, plan)));
        assertEquals(2, plan.moves().size());
    }

    @Test
    void mixedModuliCountByTheHashSpaceTheyHold() {
        // s0 holds half the keys in one bucket of 2, s1 a quarter, s2 a quarter; a new s3 is empty.
        BucketMap map = new BucketMap(4, List.of(new Bucket(2, 0, "s0"), new Bucket(4, 1, "s1"), new Bucket(4, 3, "s2")));

        Plan plan = BucketBalance.rebalance(map, FOUR);

        // Three buckets for four shards: split into 8 first (s0 then holds 0, 2, 4, 6 of 8).
        assertEquals(8, plan.splitInto());
        assertEquals(Map.of("s0", 2, "s1", 2, "s2", 2, "s3", 2), cells(apply(map, plan)));
    }

    @Test
    void splitShardGivesHalfOfItsBucketsToTheTarget() {
        BucketMap map = BucketMap.even(12, TWO);
        List<String> shards = List.of("s0", "s1", "s2");

        Plan plan = BucketBalance.split(map, shards, "s1", "s2");

        assertEquals(0, plan.splitInto());
        assertEquals(3, plan.moves().size());
        plan.moves().forEach(m -> assertEquals(new Move(m.bucket(), "s1", "s2"), m));
        assertEquals(Map.of("s0", 6, "s1", 3, "s2", 3), cells(apply(map, plan)));
    }

    @Test
    void splitShardOfOneBucketDoublesTheBucketsFirst() {
        BucketMap map = BucketMap.even(2, TWO);

        Plan plan = BucketBalance.split(map, List.of("s0", "s1", "s2"), "s0", "s2");

        assertEquals(4, plan.splitInto());
        assertEquals(List.of(new Move("0 of 4", "s0", "s2")), plan.moves());
        assertEquals(Map.of("s0", 1, "s1", 2, "s2", 1), cells(apply(map, plan)));
    }

    @Test
    void mistakesSayWhatToDo() {
        BucketMap map = BucketMap.even(4, TWO);
        assertEquals("there is no shard s9 in the database; the shards are s0, s1 (ADD SHARD it first)",
                assertThrows(IllegalArgumentException.class, () -> BucketBalance.split(map, TWO, "s0", "s9")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> BucketBalance.split(map, TWO, "s0", "s0"));
        assertEquals("the map puts buckets on s1, which is not a shard of the database (s0)",
                assertThrows(IllegalArgumentException.class, () -> BucketBalance.rebalance(map, List.of("s0"))).getMessage());
    }

    /** The map after the plan: split, then each move in turn, each bucket named as the plan names it. */
    private static BucketMap apply(BucketMap map, Plan plan) {
        BucketMap after = plan.splitInto() == 0 ? map : BucketMapEdits.split(map, plan.splitInto());
        for (Move m : plan.moves()) {
            Bucket b = BucketMapEdits.bucket(after, m.bucket());
            assertEquals(m.from(), b.shard(), "the plan moves " + m.bucket() + " from the shard that holds it");
            after = BucketMapEdits.move(after, b, m.to());
        }
        assertTrue(BucketMap.check(after.buckets(), after.placement()).isEmpty());
        return after;
    }

    private static Map<String, Integer> cells(BucketMap map) {
        Map<String, Integer> cells = new LinkedHashMap<>();
        for (String s : map.shardOfCell()) {
            cells.merge(s, 1, Integer::sum);
        }
        return cells;
    }
}
