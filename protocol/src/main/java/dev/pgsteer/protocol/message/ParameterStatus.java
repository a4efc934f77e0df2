package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;

/** {@code 'S' | int32 len | cstring name | cstring value}: a reported run-time parameter changed. */
public record ParameterStatus(String name, String value) implements BackendMessage {
    public static final byte TYPE = 'S';

    public static ParameterStatus decode(ByteBuf body) {
        ByteBuf in = body.duplicate();
        return new ParameterStatus(Wire.readCString(in), Wire.readCString(in));
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Wire.beginMessage(out, 'S');
        Wire.writeCString(out, name);
        Wire.writeCString(out, value);
        Wire.endMessage(out, length);
    }
}
