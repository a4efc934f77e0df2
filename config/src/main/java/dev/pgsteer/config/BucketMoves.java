package dev.pgsteer.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which buckets of one map have keys on another shard in a later map: what a transaction that routed
 * by the earlier map must not touch any more. Splits move nothing; a bucket set to another shard
 * moves, and so does every bucket of the earlier map that overlaps it.
 *
 * <p>Buckets r of m and r' of m' share keys exactly when r and r' are congruent modulo gcd(m, m')
 * (the Chinese remainder theorem), so two maps with different moduli compare without a common array.
 */
public final class BucketMoves {

    /** {@code bucket} (of the earlier map) now has keys on {@code nowOn}, which are not its shard. */
    public record Move(BucketMap.Bucket bucket, Set<String> nowOn) {
        public String describe(String table) {
            return "bucket " + bucket.label() + " of table " + table + " moved from " + bucket.shard() + " to "
                    + String.join(", ", nowOn);
        }
    }

    private BucketMoves() {
    }

    /** The buckets of {@code before} whose keys are (partly) on another shard in {@code after}; empty when none moved. */
    public static List<Move> between(BucketMap before, BucketMap after) {
        if (before.equals(after)) {
            return List.of();
        }
        List<Move> moves = new ArrayList<>();
        for (BucketMap.Bucket b : before.placement()) {
            Set<String> elsewhere = new LinkedHashSet<>();
            for (BucketMap.Bucket a : after.placement()) {
                if (!a.shard().equals(b.shard()) && overlap(b, a)) {
                    elsewhere.add(a.shard());
                }
            }
            if (!elsewhere.isEmpty()) {
                moves.add(new Move(b, elsewhere));
            }
        }
        return moves;
    }

    /**
     * Per hash-sharded table of {@code before}, its buckets that moved in {@code after} (the same
     * database later); tables with none are left out, so an empty answer means nothing moved.
     */
    public static Map<String, List<Move>> between(DatabaseConfig before, DatabaseConfig after) {
        Map<String, List<Move>> moved = new LinkedHashMap<>();
        for (TableConfig table : before.tables().values()) {
            if (table instanceof TableConfig.Sharded was && was.function() instanceof ShardFunction.Hash
                    && after.tables().get(table.name()) instanceof TableConfig.Sharded now
                    && now.function() instanceof ShardFunction.Hash) {
                List<Move> moves = between(before.bucketsOf(was), after.bucketsOf(now));
                if (!moves.isEmpty()) {
                    moved.put(table.name(), moves);
                }
            }
        }
        return moved;
    }

    static boolean overlap(BucketMap.Bucket x, BucketMap.Bucket y) {
        int g = gcd(x.modulus(), y.modulus());
        return x.remainder() % g == y.remainder() % g;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
