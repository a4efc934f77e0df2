package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;

/**
 * Cells of a DataRow, read and written by the merge. Byte handling only, to move to protocol's
 * message types later.
 *
 * <pre>
 * DataRow 'D' | int32 len | int16 n | (int32 len (-1: NULL) | byte * len) * n
 * </pre>
 */
final class DataRowBytes {
    private DataRowBytes() {
    }

    /** The reader offset of column {@code column} in a DataRow body (its end, for {@code column == n}). */
    static int offsetOf(ByteBuf body, int column) {
        int at = body.readerIndex() + 2;
        for (int i = 0; i < column; i++) {
            int length = body.getInt(at);
            at += 4 + Math.max(length, 0);
        }
        return at;
    }

    /** One cell's bytes; null for NULL. */
    static byte[] cell(ByteBuf body, int column) {
        int at = offsetOf(body, column);
        int length = body.getInt(at);
        if (length < 0) {
            return null;
        }
        byte[] value = new byte[length];
        body.getBytes(at + 4, value);
        return value;
    }

    /** Every cell of a row that must have {@code columns} of them. */
    static byte[][] cells(ByteBuf body, int columns) {
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

    /** The row with its first {@code visible} columns only. */
    static ByteBuf firstColumns(ByteBufAllocator alloc, ByteBuf body, int visible) {
        int end = offsetOf(body, visible);
        ByteBuf stripped = alloc.buffer(5 + end - body.readerIndex());
        int length = Wire.beginMessage(stripped, 'D');
        stripped.writeShort(visible);
        stripped.writeBytes(body, body.readerIndex() + 2, end - body.readerIndex() - 2);
        Wire.endMessage(stripped, length);
        return stripped;
    }

    /** The bytes of the first {@code visible} columns, lengths included: equal rows, equal keys. */
    static ByteBuffer key(ByteBuf body, int visible) {
        int end = offsetOf(body, visible);
        byte[] bytes = new byte[end - body.readerIndex() - 2];
        body.getBytes(body.readerIndex() + 2, bytes);
        return ByteBuffer.wrap(bytes);
    }

    /** The bytes of the cells before {@code upTo} ({@code only} those marked, when not null), lengths included. */
    static ByteBuffer key(byte[][] cells, int upTo, boolean[] only) {
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

    /** A DataRow of the first {@code visible} cells. */
    static ByteBuf of(ByteBufAllocator alloc, byte[][] cells, int visible) {
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
}
