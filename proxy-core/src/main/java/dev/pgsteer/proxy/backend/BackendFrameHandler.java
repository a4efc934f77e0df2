package dev.pgsteer.proxy.backend;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** The last handler of a backend channel: hands frames and events to its connection. */
final class BackendFrameHandler extends ChannelInboundHandlerAdapter {
    private final BackendConnection connection;
    private final BackendLogin login;

    BackendFrameHandler(BackendConnection connection, BackendLogin login) {
        this.connection = connection;
        this.login = login;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        login.start();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FrameChunk chunk) {
            connection.onChunk(chunk);
        } else {
            connection.onFrame((Frame) msg, login);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        connection.onReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        connection.onWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        login.onClosed();
        connection.onClosed();
    }

    /**
     * Not {@link BackendConnection#close}: that marks the connection closed by its holder, and its
     * holder (a session mid-transaction) would never hear that the socket died under it.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connection.broken(cause);
    }
}
