package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;

/** {@code 'C' | int32 len | cstring tag}, for example {@code SELECT 1} or {@code SET}. */
public record CommandComplete(String tag) implements BackendMessage {
    public static final byte TYPE = 'C';

    public static CommandComplete decode(ByteBuf body) {
        return new CommandComplete(Wire.readCString(body.duplicate()));
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Wire.beginMessage(out, 'C');
        Wire.writeCString(out, tag);
        Wire.endMessage(out, length);
    }
}
