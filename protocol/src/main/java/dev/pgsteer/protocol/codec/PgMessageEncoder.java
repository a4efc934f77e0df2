package dev.pgsteer.protocol.codec;

import dev.pgsteer.protocol.message.BackendMessage;
import dev.pgsteer.protocol.message.FrontendMessage;
import dev.pgsteer.protocol.message.StartupPacket;
import dev.pgsteer.protocol.message.backend.EmptyBackendMessage;
import dev.pgsteer.protocol.message.frontend.EmptyFrontendMessage;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Encodes the messages pgsteer originates. Raw {@link Frame}s and ByteBufs being relayed are not
 * messages of this encoder's type and pass it untouched.
 */
@Sharable
public final class PgMessageEncoder extends MessageToByteEncoder<Object> {
    public static final PgMessageEncoder INSTANCE = new PgMessageEncoder();

    private PgMessageEncoder() {
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof BackendMessage || msg instanceof FrontendMessage
                || msg instanceof EmptyBackendMessage || msg instanceof EmptyFrontendMessage
                || msg instanceof StartupPacket.StartupMessage || msg instanceof StartupPacket.CancelRequest;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) {
        switch (msg) {
            case BackendMessage m -> m.encode(out);
            case FrontendMessage m -> m.encode(out);
            case EmptyBackendMessage m -> m.encode(out);
            case EmptyFrontendMessage m -> m.encode(out);
            case StartupPacket.StartupMessage m -> m.encode(out);
            case StartupPacket.CancelRequest m -> m.encode(out);
            default -> throw new IllegalArgumentException("not a message pgsteer encodes: " + msg.getClass());
        }
    }
}
