package dev.pgsteer.proxy.sharding.map;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMoves;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.TouchedBuckets;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The buckets of a newer shard map whose keys an older one put on another shard, per hash-sharded
 * table, as positions in the newer map (where the router places a statement's keys now). What a
 * transaction that started at the older map must not reach: it read or wrote those keys where they
 * no longer are. A split moves nothing.
 */
record MovedBuckets(Map<String, Table> tables) {

    static final MovedBuckets NONE = new MovedBuckets(Map.of());

    /** One table's moved buckets: positions in {@code newer}'s placement, and where {@code older} had their keys. */
    record Table(BucketMap newer, BitSet moved, Map<Integer, List<String>> wereOn) {
    }

    static MovedBuckets between(DatabaseConfig older, DatabaseConfig newer) {
        Map<String, Table> tables = new LinkedHashMap<>();
        for (TableConfig t : newer.tables().values()) {
            if (t instanceof TableConfig.Sharded now && now.function() instanceof ShardFunction.Hash
                    && older.tables().get(t.name()) instanceof TableConfig.Sharded was && was.function() instanceof ShardFunction.Hash) {
                BucketMap newerMap = newer.bucketsOf(now);
                List<BucketMoves.Move> moves = BucketMoves.between(newerMap, older.bucketsOf(was));
                if (!moves.isEmpty()) {
                    BitSet moved = new BitSet();
                    Map<Integer, List<String>> wereOn = new LinkedHashMap<>();
                    for (BucketMoves.Move move : moves) {
                        int position = newerMap.placement().indexOf(move.bucket());
                        moved.set(position);
                        wereOn.put(position, List.copyOf(move.nowOn()));
                    }
                    tables.put(t.name(), new Table(newerMap, moved, wereOn));
                }
            }
        }
        return tables.isEmpty() ? NONE : new MovedBuckets(tables);
    }

    boolean isEmpty() {
        return tables.isEmpty();
    }

    /** The first moved bucket that {@code touched} reaches, as a sentence; null when it reaches none. */
    String reached(TouchedBuckets touched) {
        if (touched.everyTable()) {
            return describe(tables.keySet().iterator().next(), -1);
        }
        for (Map.Entry<String, java.util.BitSet> e : touched.byTable().entrySet()) {
            Table table = tables.get(e.getKey());
            if (table == null) {
                continue;
            }
            BitSet reached = e.getValue();
            if (reached == null) {
                return describe(e.getKey(), -1);
            }
            BitSet both = (BitSet) reached.clone();
            both.and(table.moved());
            if (!both.isEmpty()) {
                return describe(e.getKey(), both.nextSetBit(0));
            }
        }
        return null;
    }

    /** {@code bucket 5 of 12 of table orders moved from s1 to s2}; position -1: the table's first moved bucket. */
    private String describe(String name, int position) {
        Table table = tables.get(name);
        int at = position >= 0 ? position : table.moved().nextSetBit(0);
        BucketMap.Bucket bucket = table.newer().placement().get(at);
        return "bucket " + bucket.label() + " of table " + name + " moved from " + String.join(", ", table.wereOn().get(at))
                + " to " + bucket.shard() + (position >= 0 ? "" : " (the statement reaches every bucket of the table)");
    }
}
