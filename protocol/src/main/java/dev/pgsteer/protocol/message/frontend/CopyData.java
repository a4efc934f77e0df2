package dev.pgsteer.protocol.message.frontend;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * {@code 'd' | int32 len | byte * (len - 4)}: a view over a CopyData frame, which the caller keeps
 * owning. The server sends the same bytes during COPY TO STDOUT, so the view reads both directions.
 */
public final class CopyData {
    private final Frame frame;

    private CopyData(Frame frame) {
        this.frame = frame;
    }

    public static CopyData of(Frame frame) {
        return new CopyData(Frontend.COPY_DATA.expect(frame));
    }

    public Frame frame() {
        return frame;
    }

    /** The data, as a slice of the frame that shares its reference count. */
    public ByteBuf data() {
        return frame.body();
    }

    /** Writes the header of a CopyData of {@code dataLength} bytes; the data follows it. */
    public static void writeHeader(ByteBuf out, int dataLength) {
        out.writeByte(Frontend.COPY_DATA.code()).writeInt(4 + dataLength);
    }

    /** A CopyData of {@code length} bytes of {@code data} from {@code offset}, copied. */
    public static ByteBuf encode(ByteBufAllocator alloc, byte[] data, int offset, int length) {
        ByteBuf out = alloc.buffer(Frame.HEADER_LENGTH + length);
        writeHeader(out, length);
        out.writeBytes(data, offset, length);
        return out;
    }

    @Override
    public String toString() {
        return "CopyData(" + data().readableBytes() + " bytes)";
    }
}
