package dev.pgsteer.protocol.message.backend;

import dev.pgsteer.protocol.message.MessageType.Backend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** {@code 't' | int32 len | int16 n | int32 type * n}: a view over a ParameterDescription frame, which the caller keeps owning. */
public final class ParameterDescription {
    private final Frame frame;

    private ParameterDescription(Frame frame) {
        this.frame = frame;
    }

    public static ParameterDescription of(Frame frame) {
        return new ParameterDescription(Backend.PARAMETER_DESCRIPTION.expect(frame));
    }

    public Frame frame() {
        return frame;
    }

    public int count() {
        ByteBuf body = frame.body();
        return body.getUnsignedShort(body.readerIndex());
    }

    /** The type oid of parameter {@code i} (0-based). */
    public int type(int i) {
        ByteBuf body = frame.body();
        return body.getInt(body.readerIndex() + 2 + 4 * i);
    }

    public static ByteBuf encode(ByteBufAllocator alloc, int... types) {
        ByteBuf out = alloc.buffer(7 + 4 * types.length);
        int length = Wire.beginMessage(out, (char) Backend.PARAMETER_DESCRIPTION.code());
        out.writeShort(types.length);
        for (int type : types) {
            out.writeInt(type);
        }
        Wire.endMessage(out, length);
        return out;
    }

    @Override
    public String toString() {
        return "ParameterDescription(" + count() + ")";
    }
}
