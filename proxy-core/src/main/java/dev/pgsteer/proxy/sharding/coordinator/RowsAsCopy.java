package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.protocol.message.MessageType;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * A shard's rows in binary result format fed to {@code COPY ... FROM STDIN (FORMAT binary)} as they
 * come. A DataRow's body in binary result format ({@code int16 fields | (int32 length (-1: NULL) |
 * bytes) * fields}) is byte for byte a tuple of the binary COPY format: both are written by each
 * type's send function (checked against PostgreSQL 15 for numeric, text, timestamptz, arrays, NULLs,
 * uuid, jsonb: {@code COPY (q) TO STDOUT (FORMAT binary)} gives the DataRows of {@code q}, same
 * bytes, after the header and before the trailer). So a DataRow becomes a CopyData by its type byte
 * alone: {@code 'D' | int32 len | body} and {@code 'd' | int32 len | body} have the same length word.
 *
 * <pre>
 * CopyData  'd' | int32 23 | "PGCOPY\n\377\r\n\0" | int32 flags 0 | int32 extension length 0   (header)
 * CopyData  'd' | int32 len | DataRow body                                                     (each row)
 * CopyData  'd' | int32 6 | int16 -1 ; CopyDone 'c' | int32 4                                  (trailer)
 * </pre>
 */
public final class RowsAsCopy {
    /** The binary COPY signature, flags and header extension length: 19 bytes. */
    private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0,
            0, 0, 0, 0, 0, 0, 0, 0};

    private RowsAsCopy() {
    }

    /** The CopyData that opens the stream. */
    public static ByteBuf header(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(Frame.HEADER_LENGTH + HEADER.length);
        out.writeByte(MessageType.FrontendBytes.COPY_DATA).writeInt(4 + HEADER.length).writeBytes(HEADER);
        return out;
    }

    /** Bytes of COPY data of the header, and of the trailer. */
    static final int HEADER_BYTES = HEADER.length;
    static final int TRAILER_BYTES = 2;

    /** The trailer's CopyData and the CopyDone that ends the stream. */
    public static ByteBuf trailer(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(2 * Frame.HEADER_LENGTH + 2);
        out.writeByte(MessageType.FrontendBytes.COPY_DATA).writeInt(6).writeShort(-1);
        out.writeByte(MessageType.FrontendBytes.COPY_DONE).writeInt(4);
        return out;
    }

    /**
     * The DataRow as a CopyData: its own buffer with the type byte changed, the body neither copied
     * nor moved (a read-only buffer gets a new 5-byte header before a slice of the body). Consumes the frame.
     */
    public static ByteBuf copyData(Frame dataRow, ByteBufAllocator alloc) {
        ByteBuf whole = dataRow.content();
        if (!whole.isReadOnly()) {
            whole.setByte(whole.readerIndex(), MessageType.FrontendBytes.COPY_DATA);
            return whole;
        }
        ByteBuf header = alloc.buffer(Frame.HEADER_LENGTH);
        header.writeByte(MessageType.FrontendBytes.COPY_DATA).writeInt(whole.getInt(whole.readerIndex() + 1));
        ByteBuf body = whole.retainedSlice(whole.readerIndex() + Frame.HEADER_LENGTH, whole.readableBytes() - Frame.HEADER_LENGTH);
        whole.release();
        CompositeByteBuf out = alloc.compositeBuffer(2);
        out.addComponent(true, header);
        out.addComponent(true, body);
        return out;
    }
}
