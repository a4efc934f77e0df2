package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** {@code 'Q' | int32 len | cstring sql}: a simple-protocol query, possibly several statements. */
public record Query(String sql) implements FrontendMessage {
    public static final byte TYPE = 'Q';

    public static Query decode(ByteBuf body) {
        return new Query(Wire.readCString(body.duplicate()));
    }

    /** A Query of {@code sql} as it is written (bytes, no terminator), not decoded. */
    public static ByteBuf encode(ByteBufAllocator alloc, byte[] sql) {
        ByteBuf out = alloc.buffer(6 + sql.length);
        int length = Wire.beginMessage(out, 'Q');
        out.writeBytes(sql).writeByte(0);
        Wire.endMessage(out, length);
        return out;
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Wire.beginMessage(out, 'Q');
        Wire.writeCString(out, sql);
        Wire.endMessage(out, length);
    }
}
