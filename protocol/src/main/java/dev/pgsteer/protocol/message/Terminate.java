package dev.pgsteer.protocol.message;

import io.netty.buffer.ByteBuf;

/** {@code 'X' | int32 4}: the client is leaving. */
public enum Terminate implements FrontendMessage {
    INSTANCE;

    public static final byte TYPE = 'X';

    @Override
    public void encode(ByteBuf out) {
        out.writeByte(TYPE).writeInt(4);
    }
}
