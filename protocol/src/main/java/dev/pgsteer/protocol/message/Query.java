package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;

/** {@code 'Q' | int32 len | cstring sql}: a simple-protocol query, possibly several statements. */
public record Query(String sql) implements FrontendMessage {
    public static final byte TYPE = 'Q';

    public static Query decode(ByteBuf body) {
        return new Query(Wire.readCString(body.duplicate()));
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Wire.beginMessage(out, 'Q');
        Wire.writeCString(out, sql);
        Wire.endMessage(out, length);
    }
}
