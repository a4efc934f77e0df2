package dev.pgsteer.protocol.message;

import io.netty.buffer.ByteBuf;

/** {@code 'S' | int32 4}: ends an extended-protocol batch; the server answers with ReadyForQuery. */
public enum Sync implements FrontendMessage {
    INSTANCE;

    public static final byte TYPE = 'S';

    @Override
    public void encode(ByteBuf out) {
        out.writeByte(TYPE).writeInt(4);
    }
}
