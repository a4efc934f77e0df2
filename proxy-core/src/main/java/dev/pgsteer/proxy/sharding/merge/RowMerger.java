package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.message.backend.DataRow;
import dev.pgsteer.protocol.message.backend.RowDescription;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.value.PgValues;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.router.plan.SelectMerge;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;
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
 * {@link GroupAggregator} (with {@link PartialAggregates} and {@link HavingFilter}); the messages
 * are read and written through protocol's views, {@link RowDescription} and {@link DataRow}, which
 * read a shard's frame in place.
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
            RowDescription description = RowDescription.of(frame);
            int[] types = new int[description.count()];
            boolean[] binary = new boolean[types.length];
            for (int i = 0; i < types.length; i++) {
                types[i] = description.typeOid(i);
                binary[i] = description.format(i) == Bind.BINARY;
            }
            columns = new MergeColumns(plan, types, binary);
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
                out.accept(forClient(description));
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
                DataRow cells = DataRow.of(row);
                if (cells.count() != columns.columns) {
                    throw new IllegalStateException("a shard returned " + cells.count() + " columns where "
                            + columns.columns + " were described");
                }
                groups.add(cells.cells());
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
                rows.removeIf(cells -> !window.distinct(GroupKeys.of(cells, columns.visible, null, columns.keyForms)));
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
                out.accept(DataRow.encode(alloc, cells, columns.visible));
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

    /**
     * The client's RowDescription: the shards' without the hidden columns, with the types the client
     * sees where they differ (an avg: numeric, a varlena, or double precision, without a modifier).
     */
    private ByteBuf forClient(RowDescription description) {
        RowDescription client = description.withoutTrailing(alloc, columns.columns - columns.visible);
        for (int i = 0; i < columns.visible; i++) {
            int type = columns.clientTypes[i];
            if (type != columns.shardTypes[i]) {
                RowDescription typed = client.withType(alloc, i, type, type == PgValues.FLOAT8 ? 8 : -1);
                client.frame().release();
                client = typed;
            }
        }
        return client.frame().content();
    }

    /** Relays a row through DISTINCT, OFFSET and LIMIT, without the hidden columns. */
    private void emit(Frame row) {
        if (window.full()) {
            row.release();
            return;
        }
        if (plan.distinct() && !window.distinct(columns.visibleAsSent
                ? ByteBuffer.wrap(ByteBufUtil.getBytes(DataRow.of(row).leading(columns.visible)))
                : GroupKeys.of(DataRow.of(row).cells(), columns.visible, null, columns.keyForms))) {
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
            out.accept(DataRow.of(row).withoutTrailing(alloc, plan.hidden()));
        } finally {
            row.release();
        }
    }
}
