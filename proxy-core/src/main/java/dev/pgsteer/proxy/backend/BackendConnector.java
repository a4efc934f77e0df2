package dev.pgsteer.proxy.backend;

import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.proxy.ProxyErrors;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;

/** Opens wire connections to backends and logs them in, on the event loop it is asked to use. */
public final class BackendConnector {
    private final Duration connectTimeout;

    public BackendConnector(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /** Completes with a logged-in, idle connection, or fails with {@link BackendUnavailableException}. */
    public Future<BackendConnection> connect(BackendTarget target, EventLoop loop) {
        Promise<BackendConnection> ready = loop.newPromise();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        BackendConnection connection = new BackendConnection(channel, target);
                        BackendLogin login = new BackendLogin(connection, ready);
                        channel.pipeline().addLast(PgFrameDecoder.forBackends(), PgMessageEncoder.INSTANCE,
                                new BackendFrameHandler(connection, login));
                    }
                });
        ChannelFuture connecting = bootstrap.connect(target.host(), target.port());
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                ready.tryFailure(new BackendUnavailableException(ProxyErrors.backendUnavailable(ErrorResponse.Severity.ERROR,
                        target.name(), describe(f.cause(), target))));
            }
        });
        return ready;
    }

    private static String describe(Throwable cause, BackendTarget target) {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.contains(String.valueOf(target.port())) ? message : message + " (" + target.host() + ":" + target.port() + ")";
    }
}
