package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.router.plan.SelectMerge;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/** DISTINCT, OFFSET and LIMIT over the merged rows, in that order, and the count of rows the client got. */
final class RowWindow {
    private final SelectMerge plan;
    private final Set<ByteBuffer> seen = new HashSet<>();
    private long skipped;
    private long sent;

    RowWindow(SelectMerge plan) {
        this.plan = plan;
    }

    /** The LIMIT is reached: later rows are read and dropped, so the shards finish their answers. */
    boolean full() {
        return plan.limit() >= 0 && sent >= plan.limit();
    }

    /** DISTINCT: whether a row of these visible bytes is new (always, without DISTINCT). */
    boolean distinct(ByteBuffer visibleKey) {
        return seen.add(visibleKey);
    }

    /** OFFSET: whether this row is one of those skipped. */
    boolean skip() {
        if (skipped < plan.offset()) {
            skipped++;
            return true;
        }
        return false;
    }

    void sent() {
        sent++;
    }

    long rowsSent() {
        return sent;
    }

    void clear() {
        seen.clear();
    }
}
