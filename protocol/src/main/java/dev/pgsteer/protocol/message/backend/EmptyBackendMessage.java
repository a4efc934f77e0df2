package dev.pgsteer.protocol.message.backend;

import dev.pgsteer.protocol.message.MessageType.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** A backend message without a body, {@code type | int32 4}: one instance each. */
public sealed interface EmptyBackendMessage
        permits ParseComplete, BindComplete, CloseComplete, NoData, EmptyQueryResponse, PortalSuspended {

    Backend type();

    default void encode(ByteBuf out) {
        out.writeByte(type().code()).writeInt(4);
    }

    default ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(5);
        encode(out);
        return out;
    }
}
