package dev.pgsteer.proxy.sharding.copy;

import dev.pgsteer.protocol.message.MessageType;
import dev.pgsteer.protocol.message.backend.DataRow;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A DataRow in text result format as the CopyData {@code COPY ... TO STDOUT} (text format) would have
 * sent for the same row: a cell in text result format is its type's output function's text, which is
 * what COPY writes too, so only COPY's escapes are added (backslash, tab, newline, carriage return),
 * {@code \N} for NULL, a tab between cells and a newline after the last.
 *
 * <pre>
 * DataRow   'D' | int32 len | int16 n | (int32 len (-1: NULL) | bytes) * n
 * CopyData  'd' | int32 len | cell \t cell ... \n
 * </pre>
 */
public final class TextRows {
    private TextRows() {
    }

    /** The row's CopyData, a new buffer; consumes the DataRow's frame. */
    public static ByteBuf copyData(DataRow row, ByteBufAllocator alloc) {
        Frame frame = row.frame();
        try {
            ByteBuf in = frame.content();
            int at = in.readerIndex() + Frame.HEADER_LENGTH;
            int count = in.getUnsignedShort(at);
            at += 2;
            ByteBuf out = alloc.buffer(in.readableBytes() + 8);
            out.writeByte(MessageType.FrontendBytes.COPY_DATA).writeInt(0);
            for (int i = 0; i < count; i++) {
                if (i > 0) {
                    out.writeByte('\t');
                }
                int length = in.getInt(at);
                at += 4;
                if (length < 0) {
                    out.writeByte('\\').writeByte('N');
                    continue;
                }
                for (int j = at; j < at + length; j++) {
                    byte b = in.getByte(j);
                    switch (b) {
                        case '\\' -> out.writeByte('\\').writeByte('\\');
                        case '\t' -> out.writeByte('\\').writeByte('t');
                        case '\n' -> out.writeByte('\\').writeByte('n');
                        case '\r' -> out.writeByte('\\').writeByte('r');
                        default -> out.writeByte(b);
                    }
                }
                at += length;
            }
            out.writeByte('\n');
            out.setInt(1, out.readableBytes() - 1);
            return out;
        } finally {
            frame.release();
        }
    }
}
