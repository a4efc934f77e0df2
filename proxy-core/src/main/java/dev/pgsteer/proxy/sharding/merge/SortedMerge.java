package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.message.backend.DataRow;
import dev.pgsteer.protocol.wire.Frame;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * ORDER BY over several shards: a streaming k-way merge, a queue per shard. A shard's rows wait only
 * until every other shard still running has a row to compare with (each shard's rows come sorted).
 */
final class SortedMerge {
    private final SortKeys keys;
    private final List<ArrayDeque<Pending>> queues = new ArrayList<>();
    private final boolean[] done;
    private final Consumer<Frame> emit;

    /** A row waiting in the k-way merge, with its sort keys decoded once. */
    private record Pending(Frame row, Comparable<?>[] keys) {
    }

    SortedMerge(SortKeys keys, int shards, Consumer<Frame> emit) {
        this.keys = keys;
        this.emit = emit;
        this.done = new boolean[shards];
        for (int i = 0; i < shards; i++) {
            queues.add(new ArrayDeque<>());
        }
    }

    /** A row of {@code shard}; ownership passes here. */
    void add(int shard, Frame row) {
        queues.get(shard).add(new Pending(row, keys.of(DataRow.of(row))));
        drain();
    }

    /** The shard has no more rows to wait for. */
    void shardDone(int shard) {
        done[shard] = true;
        drain();
    }

    void discard() {
        for (ArrayDeque<Pending> queue : queues) {
            queue.forEach(p -> p.row().release());
            queue.clear();
        }
    }

    private void drain() {
        while (true) {
            int best = -1;
            for (int shard = 0; shard < queues.size(); shard++) {
                Pending head = queues.get(shard).peek();
                if (head == null) {
                    if (!done[shard]) {
                        // This shard's next row may come first: wait for it.
                        return;
                    }
                    continue;
                }
                if (best < 0 || keys.compare(head.keys(), queues.get(best).peek().keys()) < 0) {
                    best = shard;
                }
            }
            if (best < 0) {
                return;
            }
            emit.accept(queues.get(best).poll().row());
        }
    }
}
