package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.router.plan.SelectMerge;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Merges the rows several shards return for one SELECT, as its {@link SelectMerge} says, at the
 * message level:
 *
 * <ul>
 *   <li>one RowDescription: the first shard's, without pgsteer's hidden columns and with avg's type;</li>
 *   <li>ORDER BY: a streaming k-way merge; a shard's rows wait only until every other shard still
 *       running has a row to compare with, and only the sort columns are decoded;</li>
 *   <li>DISTINCT, OFFSET, LIMIT after the merge (rows past the limit are read and dropped, so the
 *       shards finish their answers);</li>
 *   <li>aggregates: rows grouped by the bytes of their key columns, partial counts, sums, minima and
 *       maxima combined, avg = sum / count; then HAVING, DISTINCT, ORDER BY, OFFSET, LIMIT.</li>
 * </ul>
 *
 * A row that needs no change is relayed as the shard sent it. This class picks the pipeline from the
 * plan; the steps are {@link MergeColumns}, {@link SortedMerge}, {@link RowWindow},
 * {@link GroupAggregator} (with {@link PartialAggregates} and {@link HavingFilter}); the bytes of
 * messages are read and written by {@link RowDescriptionBytes} and {@link DataRowBytes}.
 *
 * <pre>
 * RowDescription 'T' | int32 len | int16 n | (cstring name | int32 table | int16 column | int32 type
 *                | int16 size | int32 modifier | int16 format) * n
 * DataRow        'D' | int32 len | int16 n | (int32 len (-1: NULL) | byte * len) * n
 * </pre>
 */
public final class RowMerger {
    private final SelectMerge plan;
    private final int shards;
    private final boolean clientDescribes;
    private final ByteBufAllocator alloc;
    private final Consumer<ByteBuf> out;
    private final RowWindow window;
    private final Consumer<Frame> emit = this::emit;

    private boolean described;
    private MergeColumns columns;
    private SortKeys sortKeys;
    private SortedMerge sorted;
    private GroupAggregator groups;
    private boolean closed;

    public RowMerger(SelectMerge plan, int shards, boolean clientDescribes, ByteBufAllocator alloc, Consumer<ByteBuf> out) {
        this.plan = plan;
        this.shards = shards;
        this.clientDescribes = clientDescribes;
        this.alloc = alloc;
        this.out = out;
        this.window = new RowWindow(plan);
    }

    public long rowsSent() {
        return window.rowsSent();
    }

    /**
     * Reads the first RowDescription (the others are the same) and writes the client's, if it asked.
     * Returns why the rows cannot be merged (a type pgsteer cannot compare or add), or null.
     */
    public String onRowDescription(Frame frame) {
        try {
            if (described) {
                return null;
            }
            described = true;
            RowDescriptionBytes description = RowDescriptionBytes.read(frame.body());
            columns = new MergeColumns(plan, description.types(), description.binary());
            if (columns.problem != null) {
                return columns.problem;
            }
            sortKeys = new SortKeys(plan, columns);
            if (plan.aggregate()) {
                groups = new GroupAggregator(plan, columns);
            } else if (sortKeys.any()) {
                sorted = new SortedMerge(sortKeys, shards, emit);
            }
            if (clientDescribes) {
                out.accept(description.forClient(alloc, frame.body(), columns.visible, columns.clientTypes));
            }
            return null;
        } finally {
            frame.release();
        }
    }

    /** A DataRow from shard {@code shard}; ownership passes here. */
    public void onRow(int shard, Frame row) {
        if (closed || !described) {
            row.release();
            return;
        }
        if (groups != null) {
            try {
                groups.add(DataRowBytes.cells(row.body(), columns.columns));
            } finally {
                row.release();
            }
        } else if (sorted == null) {
            emit(row);
        } else {
            sorted.add(shard, row);
        }
    }

    /** The shard sent its CommandComplete: it has no more rows to wait for. */
    public void onShardDone(int shard) {
        if (sorted != null) {
            sorted.shardDone(shard);
        }
    }

    /** Every shard answered: the groups are written out. */
    public void finish() {
        if (closed) {
            return;
        }
        if (groups != null) {
            List<byte[][]> rows = groups.finish();
            if (plan.distinct()) {
                rows.removeIf(cells -> !window.distinct(DataRowBytes.key(cells, columns.visible, null)));
            }
            if (sortKeys.any()) {
                rows.sort(Comparator.comparing(sortKeys::of, sortKeys::compare));
            }
            for (byte[][] cells : rows) {
                if (window.full()) {
                    break;
                }
                if (window.skip()) {
                    continue;
                }
                out.accept(DataRowBytes.of(alloc, cells, columns.visible));
                window.sent();
            }
        }
        discard();
    }

    /** Drops whatever is still held (the exchange failed, or finished). */
    public void discard() {
        closed = true;
        if (sorted != null) {
            sorted.discard();
        }
        if (groups != null) {
            groups.clear();
        }
        window.clear();
    }

    /** Relays a row through DISTINCT, OFFSET and LIMIT, without the hidden columns. */
    private void emit(Frame row) {
        if (window.full()) {
            row.release();
            return;
        }
        if (plan.distinct() && !window.distinct(DataRowBytes.key(row.body(), columns.visible))) {
            row.release();
            return;
        }
        if (window.skip()) {
            row.release();
            return;
        }
        window.sent();
        if (plan.hidden() == 0) {
            out.accept(row.content());
            return;
        }
        try {
            out.accept(DataRowBytes.firstColumns(alloc, row.body(), columns.visible));
        } finally {
            row.release();
        }
    }
}
