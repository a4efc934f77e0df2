package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;

/** {@code 'K' | int32 12 | int32 pid | int32 key}: what a client quotes in a CancelRequest. */
public record BackendKeyData(int processId, int secretKey) implements BackendMessage {
    public static final byte TYPE = 'K';

    public static BackendKeyData decode(ByteBuf body) {
        ByteBuf in = body.duplicate();
        int pid = Wire.readInt(in, "process id");
        // Protocol 3.2 allows longer keys; we ask backends for 3.0, so four bytes is what they send.
        return new BackendKeyData(pid, Wire.readInt(in, "secret key"));
    }

    @Override
    public void encode(ByteBuf out) {
        out.writeByte(TYPE).writeInt(12).writeInt(processId).writeInt(secretKey);
    }

    @Override
    public String toString() {
        return "BackendKeyData[processId=" + processId + "]";
    }
}
