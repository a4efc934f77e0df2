package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.codec.Wire;
import dev.pgsteer.protocol.value.PgValues;
import dev.pgsteer.router.plan.SelectMerge;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
 * A row that needs no change is relayed as the shard sent it.
 *
 * <pre>
 * RowDescription 'T' | int32 len | int16 n | (cstring name | int32 table | int16 column | int32 type
 *                | int16 size | int32 modifier | int16 format) * n
 * DataRow        'D' | int32 len | int16 n | (int32 len (-1: NULL) | byte * len) * n
 * </pre>
 */
public final class RowMerger {
    private final SelectMerge plan;
    private final boolean clientDescribes;
    private final ByteBufAllocator alloc;
    private final Consumer<ByteBuf> out;

    private boolean described;
    private int columns;
    private int visible;
    /** Types as the shards return them, and as the client sees them (avg columns differ). */
    private int[] shardTypes;
    private int[] clientTypes;
    private boolean[] binary;
    private int[] sortColumns;
    private boolean[] keyColumn;
    private int[] aggregateColumn;
    private int[] countColumn;

    private final List<ArrayDeque<Pending>> queues = new ArrayList<>();
    private final boolean[] done;
    private final Set<ByteBuffer> seen = new HashSet<>();
    private final Map<ByteBuffer, byte[][]> groups = new LinkedHashMap<>();
    private long skipped;
    private long sent;
    private boolean closed;

    /** A row waiting in the k-way merge, with its sort keys decoded once. */
    private record Pending(Frame row, Comparable<?>[] keys) {
    }

    public RowMerger(SelectMerge plan, int shards, boolean clientDescribes, ByteBufAllocator alloc, Consumer<ByteBuf> out) {
        this.plan = plan;
        this.clientDescribes = clientDescribes;
        this.alloc = alloc;
        this.out = out;
        this.done = new boolean[shards];
        for (int i = 0; i < shards; i++) {
            queues.add(new ArrayDeque<>());
        }
    }

    public long rowsSent() {
        return sent;
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
            ByteBuf body = frame.body();
            columns = body.readShort();
            visible = columns - plan.hidden();
            shardTypes = new int[columns];
            binary = new boolean[columns];
            int[] typeOffsets = new int[columns];
            int visibleEnd = body.readerIndex();
            for (int i = 0; i < columns; i++) {
                Wire.readCString(body);
                body.skipBytes(6);
                typeOffsets[i] = body.readerIndex();
                shardTypes[i] = body.readInt();
                body.skipBytes(6);
                binary[i] = body.readShort() == 1;
                if (i < visible) {
                    visibleEnd = body.readerIndex();
                }
            }
            clientTypes = shardTypes.clone();
            String problem = columnsProblem();
            if (problem != null) {
                return problem;
            }
            if (clientDescribes) {
                ByteBuf description = alloc.buffer(visibleEnd + 5);
                int length = Wire.beginMessage(description, 'T');
                description.writeShort(visible);
                ByteBuf fields = frame.body();
                description.writeBytes(fields, fields.readerIndex() + 2, visibleEnd - 2);
                for (int i = 0; i < visible; i++) {
                    if (clientTypes[i] != shardTypes[i]) {
                        // type, size, modifier of an avg: numeric (varlena) or double precision. The
                        // fields sit 5 bytes (type, length) further on than in the shard's body.
                        int at = 5 + typeOffsets[i];
                        description.setInt(at, clientTypes[i]);
                        description.setShort(at + 4, clientTypes[i] == PgValues.FLOAT8 ? 8 : -1);
                        description.setInt(at + 6, -1);
                    }
                }
                Wire.endMessage(description, length);
                out.accept(description);
            }
            return null;
        } finally {
            frame.release();
        }
    }

    private String columnsProblem() {
        if (visible < 0) {
            return "the shards returned fewer columns than pgsteer asked for";
        }
        sortColumns = new int[plan.sort().size()];
        for (int i = 0; i < sortColumns.length; i++) {
            sortColumns[i] = absolute(plan.sort().get(i).column());
            if (sortColumns[i] < 0 || sortColumns[i] >= columns) {
                return "ORDER BY position " + (sortColumns[i] + 1) + " is not in the select list";
            }
        }
        keyColumn = new boolean[columns];
        Arrays.fill(keyColumn, true);
        aggregateColumn = new int[plan.aggregates().size()];
        countColumn = new int[plan.aggregates().size()];
        for (int i = 0; i < aggregateColumn.length; i++) {
            SelectMerge.Aggregate a = plan.aggregates().get(i);
            int column = absolute(a.column());
            aggregateColumn[i] = column;
            keyColumn[column] = false;
            int type = shardTypes[column];
            switch (a.function()) {
                case COUNT -> {
                    if (type != PgValues.INT8) {
                        return "count() of type oid " + type;
                    }
                }
                case SUM -> {
                    if (!summable(type)) {
                        return "sum() of type oid " + type + " (pgsteer adds integers, numeric and floating point)";
                    }
                }
                case MIN, MAX -> {
                    if (!PgValues.sortable(type)) {
                        return a.function().name().toLowerCase(Locale.ROOT) + "() of type oid " + type;
                    }
                }
                case AVG -> {
                    if (!summable(type)) {
                        return "avg() of type oid " + type + " (pgsteer averages integers, numeric and floating point)";
                    }
                    countColumn[i] = absolute(a.countColumn());
                    keyColumn[countColumn[i]] = false;
                    clientTypes[column] = type == PgValues.FLOAT4 || type == PgValues.FLOAT8 ? PgValues.FLOAT8 : PgValues.NUMERIC;
                }
            }
        }
        for (int column : sortColumns) {
            if (!PgValues.sortable(clientTypes[column])) {
                return "ORDER BY a column of type oid " + clientTypes[column] + " (pgsteer compares integers, numeric,"
                        + " floating point, text in collation C, bool, uuid, date and timestamps)";
            }
        }
        for (SelectMerge.HavingTerm term : plan.having()) {
            int type = clientTypes[absolute(term.column())];
            if (!PgValues.numeric(type)) {
                return "HAVING on an aggregate of type oid " + type;
            }
        }
        return null;
    }

    private static boolean summable(int type) {
        return type == PgValues.INT8 || type == PgValues.INT4 || type == PgValues.INT2 || type == PgValues.NUMERIC
                || type == PgValues.FLOAT4 || type == PgValues.FLOAT8;
    }

    private int absolute(int column) {
        return column >= 0 ? column : columns + column;
    }

    /** A DataRow from shard {@code shard}; ownership passes here. */
    public void onRow(int shard, Frame row) {
        if (closed || !described) {
            row.release();
            return;
        }
        if (plan.aggregate()) {
            try {
                group(cells(row));
            } finally {
                row.release();
            }
        } else if (sortColumns.length == 0) {
            emit(row);
        } else {
            queues.get(shard).add(new Pending(row, keys(row)));
            drain();
        }
    }

    /** The shard sent its CommandComplete: it has no more rows to wait for. */
    public void onShardDone(int shard) {
        done[shard] = true;
        if (!plan.aggregate() && sortColumns != null && sortColumns.length > 0) {
            drain();
        }
    }

    /** Every shard answered: the groups are written out. */
    public void finish() {
        if (closed) {
            return;
        }
        if (plan.aggregate() && described) {
            List<byte[][]> rows = new ArrayList<>();
            for (byte[][] cells : groups.values()) {
                average(cells);
                if (having(cells)) {
                    rows.add(cells);
                }
            }
            groups.clear();
            if (plan.distinct()) {
                rows.removeIf(cells -> !seen.add(visibleKey(cells)));
            }
            if (sortColumns.length > 0) {
                rows.sort(Comparator.comparing(this::keys, this::compare));
            }
            for (byte[][] cells : rows) {
                if (plan.limit() >= 0 && sent >= plan.limit()) {
                    break;
                }
                if (skipped < plan.offset()) {
                    skipped++;
                    continue;
                }
                out.accept(dataRow(cells));
                sent++;
            }
        }
        discard();
    }

    /** Drops whatever is still held (the exchange failed, or finished). */
    public void discard() {
        closed = true;
        for (ArrayDeque<Pending> queue : queues) {
            queue.forEach(p -> p.row().release());
            queue.clear();
        }
        groups.clear();
        seen.clear();
    }

    // --- ORDER BY: the k-way merge ---

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
                if (best < 0 || compare(head.keys(), queues.get(best).peek().keys()) < 0) {
                    best = shard;
                }
            }
            if (best < 0) {
                return;
            }
            emit(queues.get(best).poll().row());
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private int compare(Comparable<?>[] a, Comparable<?>[] b) {
        for (int i = 0; i < sortColumns.length; i++) {
            SelectMerge.SortKey key = plan.sort().get(i);
            Comparable x = a[i];
            Comparable y = b[i];
            int c;
            if (x == null || y == null) {
                c = x == y ? 0 : (x == null) == key.nullsFirst() ? -1 : 1;
            } else {
                c = x.compareTo(y);
                if (key.descending()) {
                    c = -c;
                }
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private Comparable<?>[] keys(Frame row) {
        ByteBuf body = row.body();
        Comparable<?>[] keys = new Comparable<?>[sortColumns.length];
        for (int i = 0; i < sortColumns.length; i++) {
            byte[] value = cell(body, sortColumns[i]);
            keys[i] = value == null ? null : PgValues.sortKey(shardTypes[sortColumns[i]], binary[sortColumns[i]], value);
        }
        return keys;
    }

    private Comparable<?>[] keys(byte[][] cells) {
        Comparable<?>[] keys = new Comparable<?>[sortColumns.length];
        for (int i = 0; i < sortColumns.length; i++) {
            byte[] value = cells[sortColumns[i]];
            keys[i] = value == null ? null : PgValues.sortKey(clientTypes[sortColumns[i]], binary[sortColumns[i]], value);
        }
        return keys;
    }

    /** Relays a row through DISTINCT, OFFSET and LIMIT, without the hidden columns. */
    private void emit(Frame row) {
        if (plan.limit() >= 0 && sent >= plan.limit()) {
            row.release();
            return;
        }
        if (plan.distinct() && !seen.add(visibleKey(row))) {
            row.release();
            return;
        }
        if (skipped < plan.offset()) {
            skipped++;
            row.release();
            return;
        }
        sent++;
        if (plan.hidden() == 0) {
            out.accept(row.content());
            return;
        }
        try {
            ByteBuf body = row.body();
            int end = offsetOf(body, visible);
            ByteBuf stripped = alloc.buffer(5 + end - body.readerIndex());
            int length = Wire.beginMessage(stripped, 'D');
            stripped.writeShort(visible);
            stripped.writeBytes(body, body.readerIndex() + 2, end - body.readerIndex() - 2);
            Wire.endMessage(stripped, length);
            out.accept(stripped);
        } finally {
            row.release();
        }
    }

    /** The bytes of the visible columns, lengths included: equal rows, equal keys. */
    private ByteBuffer visibleKey(Frame row) {
        ByteBuf body = row.body();
        int end = offsetOf(body, visible);
        byte[] bytes = new byte[end - body.readerIndex() - 2];
        body.getBytes(body.readerIndex() + 2, bytes);
        return ByteBuffer.wrap(bytes);
    }

    private ByteBuffer visibleKey(byte[][] cells) {
        return key(cells, visible, null);
    }

    /** The reader offset of column {@code column} in a DataRow body (its end, for {@code column == n}). */
    private static int offsetOf(ByteBuf body, int column) {
        int at = body.readerIndex() + 2;
        for (int i = 0; i < column; i++) {
            int length = body.getInt(at);
            at += 4 + Math.max(length, 0);
        }
        return at;
    }

    private static byte[] cell(ByteBuf body, int column) {
        int at = offsetOf(body, column);
        int length = body.getInt(at);
        if (length < 0) {
            return null;
        }
        byte[] value = new byte[length];
        body.getBytes(at + 4, value);
        return value;
    }

    // --- aggregates ---

    private byte[][] cells(Frame row) {
        ByteBuf body = row.body();
        int n = body.getShort(body.readerIndex());
        if (n != columns) {
            throw new IllegalStateException("a shard returned " + n + " columns where " + columns + " were described");
        }
        byte[][] cells = new byte[columns][];
        int at = body.readerIndex() + 2;
        for (int i = 0; i < columns; i++) {
            int length = body.getInt(at);
            if (length >= 0) {
                cells[i] = new byte[length];
                body.getBytes(at + 4, cells[i]);
            }
            at += 4 + Math.max(length, 0);
        }
        return cells;
    }

    private ByteBuffer key(byte[][] cells, int upTo, boolean[] only) {
        int size = 0;
        for (int i = 0; i < upTo; i++) {
            if (only == null || only[i]) {
                size += 4 + (cells[i] == null ? 0 : cells[i].length);
            }
        }
        ByteBuffer key = ByteBuffer.allocate(size);
        for (int i = 0; i < upTo; i++) {
            if (only == null || only[i]) {
                key.putInt(cells[i] == null ? -1 : cells[i].length);
                if (cells[i] != null) {
                    key.put(cells[i]);
                }
            }
        }
        return key.flip();
    }

    private void group(byte[][] cells) {
        ByteBuffer key = key(cells, columns, keyColumn);
        byte[][] group = groups.get(key);
        if (group == null) {
            groups.put(key, cells);
            return;
        }
        for (int i = 0; i < aggregateColumn.length; i++) {
            int column = aggregateColumn[i];
            switch (plan.aggregates().get(i).function()) {
                case COUNT -> group[column] = sum(PgValues.INT8, column, group[column], cells[column]);
                case SUM -> group[column] = sum(shardTypes[column], column, group[column], cells[column]);
                case AVG -> {
                    group[column] = sum(shardTypes[column], column, group[column], cells[column]);
                    int count = countColumn[i];
                    group[count] = sum(PgValues.INT8, count, group[count], cells[count]);
                }
                case MIN, MAX -> group[column] = extreme(plan.aggregates().get(i).function() == SelectMerge.Function.MIN,
                        column, group[column], cells[column]);
            }
        }
    }

    private byte[] sum(int type, int column, byte[] a, byte[] b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        boolean bin = binary[column];
        return switch (type) {
            case PgValues.INT8, PgValues.INT4, PgValues.INT2 ->
                    PgValues.encodeInt8(Math.addExact(PgValues.int8(bin, a), PgValues.int8(bin, b)), bin);
            case PgValues.FLOAT8 -> PgValues.encodeFloat8(PgValues.float8(type, bin, a) + PgValues.float8(type, bin, b), bin);
            case PgValues.FLOAT4 -> PgValues.encodeFloat4((float) PgValues.float8(type, bin, a)
                    + (float) PgValues.float8(type, bin, b), bin);
            default -> {
                PgValues.Numeric x = bin ? PgValues.numericBinary(a) : PgValues.numericText(new String(a, StandardCharsets.US_ASCII));
                PgValues.Numeric y = bin ? PgValues.numericBinary(b) : PgValues.numericText(new String(b, StandardCharsets.US_ASCII));
                if (x.special() != 0 || y.special() != 0) {
                    throw new IllegalStateException("pgsteer does not add NaN or infinite numeric values across shards");
                }
                yield PgValues.encodeNumeric(x.value().add(y.value()), bin);
            }
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private byte[] extreme(boolean min, int column, byte[] a, byte[] b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        Comparable x = PgValues.sortKey(shardTypes[column], binary[column], a);
        Comparable y = PgValues.sortKey(shardTypes[column], binary[column], b);
        int c = x.compareTo(y);
        return (min ? c <= 0 : c >= 0) ? a : b;
    }

    /** avg = sum / count, in the type PostgreSQL gives avg: numeric, or double precision for floating point. */
    private void average(byte[][] cells) {
        for (int i = 0; i < aggregateColumn.length; i++) {
            if (plan.aggregates().get(i).function() != SelectMerge.Function.AVG) {
                continue;
            }
            int column = aggregateColumn[i];
            boolean bin = binary[column];
            long count = cells[countColumn[i]] == null ? 0 : PgValues.int8(binary[countColumn[i]], cells[countColumn[i]]);
            byte[] sum = cells[column];
            if (sum == null || count == 0) {
                cells[column] = null;
            } else if (clientTypes[column] == PgValues.FLOAT8) {
                cells[column] = PgValues.encodeFloat8(PgValues.float8(shardTypes[column], bin, sum) / count, bin);
            } else {
                BigDecimal total = PgValues.decimal(shardTypes[column], bin, sum);
                if (total == null) {
                    throw new IllegalStateException("pgsteer does not average NaN or infinite numeric values across shards");
                }
                cells[column] = PgValues.encodeNumeric(PgValues.average(total, count), bin);
            }
        }
    }

    private boolean having(byte[][] cells) {
        for (SelectMerge.HavingTerm term : plan.having()) {
            int column = absolute(term.column());
            if (cells[column] == null || term.value() == null) {
                return false;
            }
            BigDecimal value = PgValues.decimal(clientTypes[column], binary[column], cells[column]);
            if (value == null || !term.op().holds(value.compareTo(term.value()))) {
                return false;
            }
        }
        return true;
    }

    private ByteBuf dataRow(byte[][] cells) {
        ByteBuf row = alloc.buffer();
        int length = Wire.beginMessage(row, 'D');
        row.writeShort(visible);
        for (int i = 0; i < visible; i++) {
            if (cells[i] == null) {
                row.writeInt(-1);
            } else {
                row.writeInt(cells[i].length).writeBytes(cells[i]);
            }
        }
        Wire.endMessage(row, length);
        return row;
    }

    // --- the Bind each shard gets ---

    /**
     * A Bind whose result format codes cover {@code hidden} more columns: with one code per column
     * (pgjdbc's binary transfer), the shard's SELECT has more columns than the client's. The hidden
     * ones come as text. Takes ownership of {@code bind}.
     *
     * <pre>
     * Bind 'B' | int32 len | cstring portal | cstring statement | int16 n | int16 format * n
     *      | int16 p | (int32 len | byte * len) * p | int16 r | int16 resultFormat * r
     * </pre>
     */
    public static ByteBuf widenResultFormats(ByteBuf bind, int hidden, ByteBufAllocator alloc) {
        int at = bind.readerIndex() + 5;
        at = bind.indexOf(at, bind.writerIndex(), (byte) 0) + 1;
        at = bind.indexOf(at, bind.writerIndex(), (byte) 0) + 1;
        at += 2 + 2 * bind.getShort(at);
        int parameters = bind.getShort(at);
        at += 2;
        for (int i = 0; i < parameters; i++) {
            at += 4 + Math.max(bind.getInt(at), 0);
        }
        int formats = bind.getShort(at);
        if (formats <= 1 || hidden == 0) {
            return bind;
        }
        ByteBuf wider = alloc.buffer(bind.readableBytes() + 2 * hidden);
        wider.writeBytes(bind, bind.readerIndex(), at - bind.readerIndex());
        wider.writeShort(formats + hidden);
        wider.writeBytes(bind, at + 2, 2 * formats);
        for (int i = 0; i < hidden; i++) {
            wider.writeShort(0);
        }
        wider.setInt(wider.readerIndex() + 1, wider.readableBytes() - 1);
        bind.release();
        return wider;
    }
}
