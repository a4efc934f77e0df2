package dev.pgsteer.protocol.message.frontend;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A frontend message without a body, {@code type | int32 4}: one instance each. ({@code Sync} and
 * {@code Terminate} are of the same shape and still live in {@code protocol.message}.)
 */
public sealed interface EmptyFrontendMessage permits Flush, CopyDone {

    Frontend type();

    default void encode(ByteBuf out) {
        out.writeByte(type().code()).writeInt(4);
    }

    default ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(5);
        encode(out);
        return out;
    }
}
