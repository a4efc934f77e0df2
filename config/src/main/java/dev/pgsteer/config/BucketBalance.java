package dev.pgsteer.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which buckets of a table group to move, and where, for {@code REBALANCE} and {@code SPLIT SHARD}:
 * a plan of single-bucket moves, each one a step the mover takes on its own (one bucket held at a
 * time, so other buckets never wait), made from the map alone.
 *
 * <p>A shard's share is the part of the hash space its buckets hold, counted in cells (hash mod the
 * map's finest modulus): a bucket of modulus m holds {@code buckets / m} cells. Balancing by the hash
 * space rather than by rows keeps the plan a function of the map, the same on every instance and in
 * every run; with a hash of a key that is not heavily skewed the two agree, and SHOW BUCKETS shows
 * each bucket's rows for an operator who wants to move by hand.
 *
 * <p>When a shard's share cannot be halved or evened out with whole buckets (fewer buckets than
 * shards, one bucket on the shard to split), the plan first doubles the buckets as often as needed:
 * a split moves no row ({@link BucketMapEdits#split}), so it costs a map version and nothing else.
 */
public final class BucketBalance {

    /** One step: bucket {@code bucket} (its label, as {@link BucketMapEdits#bucket} reads it) from {@code from} to {@code to}. */
    public record Move(String bucket, String from, String to) {
    }

    /** A plan: split into {@code splitInto} buckets first (0: no split), then the moves in order. */
    public record Plan(int splitInto, List<Move> moves) {
        public Plan {
            moves = List.copyOf(moves);
        }

        public boolean isEmpty() {
            return splitInto == 0 && moves.isEmpty();
        }
    }

    private BucketBalance() {
    }

    /**
     * Moves that leave every shard of {@code shards} (the database's, in order, empty ones included)
     * within one bucket of an equal share of {@code map}'s hash space, moving as few buckets as this
     * greedy rule does: repeatedly the smallest bucket of the fullest shard goes to the emptiest one,
     * while that narrows the gap between them.
     *
     * @throws IllegalArgumentException when a shard of the map is not in {@code shards}
     */
    public static Plan rebalance(BucketMap map, List<String> shards) {
        requireShards(map, shards);
        int splitInto = 0;
        BucketMap working = map;
        while (working.placement().size() < shards.size() && 2 * working.buckets() <= BucketMap.MAX_BUCKETS) {
            working = BucketMapEdits.split(working, 2 * working.buckets());
            splitInto = working.buckets();
        }
        List<Move> moves = new ArrayList<>();
        while (true) {
            Map<String, Integer> cells = cellsByShard(working, shards);
            String fullest = extreme(cells, shards, true);
            String emptiest = extreme(cells, shards, false);
            int gap = cells.get(fullest) - cells.get(emptiest);
            BucketMap.Bucket smallest = smallestOf(working, fullest);
            if (smallest == null || cellsOf(working, smallest) >= gap) {
                break;
            }
            moves.add(new Move(smallest.label(), fullest, emptiest));
            working = BucketMapEdits.move(working, smallest, emptiest);
        }
        return new Plan(splitInto, moves);
    }

    /**
     * Moves that give {@code target} half of {@code source}'s share (half of its buckets by cells,
     * rounded down), after doubling the buckets until {@code source} holds at least two.
     *
     * @throws IllegalArgumentException when the shards are the same, {@code source} holds no bucket,
     *     or a shard of the map is not in {@code shards}
     */
    public static Plan split(BucketMap map, List<String> shards, String source, String target) {
        requireShards(map, shards);
        if (source.equals(target)) {
            throw new IllegalArgumentException("cannot split shard " + source + " into itself: name another shard of the database (ADD SHARD one first)");
        }
        if (!shards.contains(target)) {
            throw new IllegalArgumentException("there is no shard " + target + " in the database; the shards are "
                    + String.join(", ", shards) + " (ADD SHARD it first)");
        }
        if (bucketsOn(map, source).isEmpty()) {
            throw new IllegalArgumentException("shard " + source + " holds no bucket of this group: nothing to split");
        }
        int splitInto = 0;
        BucketMap working = map;
        while (bucketsOn(working, source).size() < 2 && 2 * working.buckets() <= BucketMap.MAX_BUCKETS) {
            working = BucketMapEdits.split(working, 2 * working.buckets());
            splitInto = working.buckets();
        }
        BucketMap refined = working;
        List<BucketMap.Bucket> on = bucketsOn(refined, source);
        int total = on.stream().mapToInt(b -> cellsOf(refined, b)).sum();
        List<Move> moves = new ArrayList<>();
        int given = 0;
        // The largest first, as long as it does not take the target past half: an even split when the
        // buckets allow one, and never more than half.
        on.sort(Comparator.comparingInt((BucketMap.Bucket b) -> -cellsOf(refined, b))
                .thenComparingInt(BucketMap.Bucket::modulus).thenComparingInt(BucketMap.Bucket::remainder));
        for (BucketMap.Bucket b : on) {
            int c = cellsOf(refined, b);
            if (2 * (given + c) <= total) {
                moves.add(new Move(b.label(), source, target));
                given += c;
            }
        }
        return new Plan(splitInto, moves);
    }

    private static int cellsOf(BucketMap map, BucketMap.Bucket b) {
        return map.buckets() / b.modulus();
    }

    private static void requireShards(BucketMap map, List<String> shards) {
        for (String s : map.shards()) {
            if (!shards.contains(s)) {
                throw new IllegalArgumentException("the map puts buckets on " + s + ", which is not a shard of the database ("
                        + String.join(", ", shards) + ")");
            }
        }
    }

    private static Map<String, Integer> cellsByShard(BucketMap map, List<String> shards) {
        Map<String, Integer> cells = new LinkedHashMap<>();
        shards.forEach(s -> cells.put(s, 0));
        for (BucketMap.Bucket b : map.placement()) {
            cells.merge(b.shard(), cellsOf(map, b), Integer::sum);
        }
        return cells;
    }

    /** The shard with the most (or fewest) cells; ties go to the first in {@code shards}'s order, so plans are stable. */
    private static String extreme(Map<String, Integer> cells, List<String> shards, boolean most) {
        String best = shards.get(0);
        for (String s : shards) {
            int c = cells.get(s);
            if (most ? c > cells.get(best) : c < cells.get(best)) {
                best = s;
            }
        }
        return best;
    }

    private static BucketMap.Bucket smallestOf(BucketMap map, String shard) {
        return bucketsOn(map, shard).stream()
                .min(Comparator.comparingInt((BucketMap.Bucket b) -> cellsOf(map, b))
                        .thenComparingInt(b -> -b.remainder()))
                .orElse(null);
    }

    private static List<BucketMap.Bucket> bucketsOn(BucketMap map, String shard) {
        List<BucketMap.Bucket> on = new ArrayList<>();
        for (BucketMap.Bucket b : map.placement()) {
            if (b.shard().equals(shard)) {
                on.add(b);
            }
        }
        return on;
    }
}
