package dev.pgsteer.protocol.message.frontend;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * {@code 'f' | int32 len | cstring message}: a view over a CopyFail frame, which the caller keeps
 * owning. The message is read only during COPY: outside one PostgreSQL ignores the frame unread.
 */
public final class CopyFail {
    private final Frame frame;

    private CopyFail(Frame frame) {
        this.frame = frame;
    }

    public static CopyFail of(Frame frame) {
        return new CopyFail(Frontend.COPY_FAIL.expect(frame));
    }

    public Frame frame() {
        return frame;
    }

    public String message() {
        return Wire.readCString(frame.body());
    }

    public static ByteBuf encode(ByteBufAllocator alloc, String message) {
        ByteBuf out = alloc.buffer(6 + message.length() * 3);
        int length = Wire.beginMessage(out, (char) Frontend.COPY_FAIL.code());
        Wire.writeCString(out, message);
        Wire.endMessage(out, length);
        return out;
    }

    @Override
    public String toString() {
        return "CopyFail(" + message() + ")";
    }
}
