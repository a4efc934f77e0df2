package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.router.plan.SelectMerge;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregates over several shards: rows grouped by the bytes of their key columns, the shards'
 * partial aggregates of a group combined ({@link PartialAggregates}), then avg computed and HAVING
 * applied once every shard has answered.
 */
final class GroupAggregator {
    private final MergeColumns columns;
    private final PartialAggregates aggregates;
    private final HavingFilter having;
    private final Map<ByteBuffer, byte[][]> groups = new LinkedHashMap<>();

    GroupAggregator(SelectMerge plan, MergeColumns columns) {
        this.columns = columns;
        this.aggregates = new PartialAggregates(plan, columns);
        this.having = new HavingFilter(plan, columns);
    }

    /** A shard's row of partial aggregates. */
    void add(byte[][] cells) {
        ByteBuffer key = GroupKeys.of(cells, columns.columns, columns.keyColumn, columns.keyForms);
        byte[][] group = groups.get(key);
        if (group == null) {
            groups.put(key, cells);
            return;
        }
        aggregates.combine(group, cells);
    }

    /** The groups that pass HAVING, with their averages, in the order they first came. */
    List<byte[][]> finish() {
        List<byte[][]> rows = new ArrayList<>();
        for (byte[][] cells : groups.values()) {
            aggregates.average(cells);
            if (having.holds(cells)) {
                rows.add(cells);
            }
        }
        groups.clear();
        return rows;
    }

    void clear() {
        groups.clear();
    }
}
