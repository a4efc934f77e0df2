package dev.pgsteer.proxy.backend;

import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.protocol.message.BackendKeyData;
import dev.pgsteer.protocol.message.StartupPacket;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;

/** Sends a CancelRequest to a backend on a connection of its own, as the protocol wants. */
public final class CancelForwarder {
    private CancelForwarder() {
    }

    public static void cancel(BackendTarget target, BackendKeyData key, EventLoop loop) {
        new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(PgMessageEncoder.INSTANCE);
                    }
                })
                .connect(target.host(), target.port())
                .addListener((ChannelFutureListener) connected -> {
                    if (connected.isSuccess()) {
                        connected.channel()
                                .writeAndFlush(new StartupPacket.CancelRequest(key.processId(), key.secretKey()))
                                .addListener(ChannelFutureListener.CLOSE);
                    }
                });
    }
}
