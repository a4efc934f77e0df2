package dev.pgsteer.protocol.message.frontend;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** {@code 'E' | int32 len | cstring portal | int32 maxRows}: a view over an Execute frame, which the caller keeps owning. */
public final class Execute {
    /** The row limit that means none: run the portal to its end. */
    public static final int ALL_ROWS = 0;

    private final Frame frame;

    private Execute(Frame frame) {
        this.frame = frame;
    }

    public static Execute of(Frame frame) {
        return new Execute(Frontend.EXECUTE.expect(frame));
    }

    public Frame frame() {
        return frame;
    }

    public String portal() {
        return Wire.readCString(frame.body());
    }

    /** The row limit, read after the portal name's NUL ({@link StatementFrames#executeMaxRows}). */
    public int maxRows() {
        return StatementFrames.executeMaxRows(frame);
    }

    public static ByteBuf encode(ByteBufAllocator alloc, String portal, int maxRows) {
        ByteBuf out = alloc.buffer(10 + portal.length() * 3);
        int length = Wire.beginMessage(out, (char) Frontend.EXECUTE.code());
        Wire.writeCString(out, portal);
        out.writeInt(maxRows);
        Wire.endMessage(out, length);
        return out;
    }

    @Override
    public String toString() {
        return "Execute(" + portal() + ", " + maxRows() + ")";
    }
}
