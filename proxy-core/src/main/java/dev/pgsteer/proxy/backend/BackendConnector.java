package dev.pgsteer.proxy.backend;

import dev.pgsteer.config.SslMode;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.protocol.codec.SliceJoiner;
import dev.pgsteer.protocol.message.BackendKeyData;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.StartupPacket;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.tls.BackendTls;
import dev.pgsteer.proxy.tls.BackendTlsNegotiation;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens wire connections to backends, on the event loop it is asked to use: pooled ones, logged in, and one-shot cancel requests. */
public class BackendConnector {
    private static final Logger log = LoggerFactory.getLogger(BackendConnector.class);
    /** Bounds a new connection's whole way to ready: the TCP connect, TLS, and the login. */
    private final Duration connectTimeout;
    private final Class<? extends SocketChannel> channelType;
    /** The transport's own socket options (io_uring's receive ring), as client sockets get them. */
    private final Map<ChannelOption<Object>, Object> socketOptions;
    private final int maxPreparedStatements;
    /** Replaced by a reload; each new connection reads it once. */
    private volatile BackendTls tls;

    /** Every backend with libpq's default sslmode (prefer). */
    public BackendConnector(Duration connectTimeout, Class<? extends SocketChannel> channelType, int maxPreparedStatements) {
        this(connectTimeout, channelType, Map.of(), maxPreparedStatements, BackendTls.defaults());
    }

    public BackendConnector(Duration connectTimeout, Class<? extends SocketChannel> channelType,
            Map<ChannelOption<Object>, Object> socketOptions, int maxPreparedStatements, BackendTls tls) {
        this.connectTimeout = connectTimeout;
        this.channelType = channelType;
        this.socketOptions = socketOptions;
        this.maxPreparedStatements = maxPreparedStatements;
        this.tls = tls;
    }

    /** The backends' TLS after a reload: for the connections opened from now on. */
    public void tls(BackendTls next) {
        this.tls = next;
    }

    /**
     * Sends a CancelRequest to a backend on a connection of its own, as the protocol wants, with the
     * backend's sslmode like its other connections (a failure only means the statement runs on).
     */
    public void cancel(BackendTarget target, BackendKeyData key, EventLoop loop) {
        new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        negotiateTls(channel, target, why -> log.info("{}: cancel request not sent: {}", target, why));
                        channel.pipeline().addLast(PgMessageEncoder.INSTANCE, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.writeAndFlush(new StartupPacket.CancelRequest(key.processId(), key.secretKey()))
                                        .addListener(ChannelFutureListener.CLOSE);
                            }
                        });
                    }
                })
                .connect(target.host(), target.port());
    }

    /** Unless the backend's sslmode is disable, the connection starts with an SSLRequest (and TLS where agreed). */
    private void negotiateTls(Channel channel, BackendTarget target, Consumer<String> onFailure) {
        BackendTls now = tls;
        if (now.mode(target.name()) != SslMode.DISABLE) {
            channel.pipeline().addLast(new BackendTlsNegotiation(now, target.name(), target.host(), target.port(), onFailure));
        }
    }

    /**
     * Completes with a logged-in, idle connection, or fails with {@link BackendUnavailableException},
     * within the connect timeout: a server that accepts the connection and then never answers (stopped,
     * overloaded, a half-open address) fails the login rather than holding its session forever.
     */
    public Future<BackendConnection> connect(BackendTarget target, EventLoop loop) {
        Promise<BackendConnection> ready = loop.newPromise();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        negotiateTls(channel, target, why -> ready.tryFailure(new BackendUnavailableException(
                                ProxyErrors.backendTls(ErrorResponse.Severity.ERROR, target.name(), why))));
                        logInOn(channel, target, maxPreparedStatements, ready);
                    }
                });
        socketOptions.forEach(bootstrap::option);
        ChannelFuture connecting = bootstrap.connect(target.host(), target.port());
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                ready.tryFailure(new BackendUnavailableException(ProxyErrors.backendUnavailable(ErrorResponse.Severity.ERROR,
                        target.name(), describe(f.cause(), target))));
            }
        });
        long timeoutMillis = connectTimeout.toMillis();
        var deadline = loop.schedule(() -> {
            if (ready.tryFailure(new BackendUnavailableException(ProxyErrors.backendUnavailable(ErrorResponse.Severity.ERROR,
                    target.name(), "timed out after " + timeoutMillis + " ms connecting and logging in (" + target.host() + ":"
                            + target.port() + ")")))) {
                connecting.channel().close();
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        ready.addListener(f -> deadline.cancel(false));
        return ready;
    }

    /**
     * Readies {@code channel} to log in to {@code target} once it is active: the backend's framing, and
     * the handler that runs the login and then hands every frame to the connection. {@code ready}
     * completes with the connection, idle, at the first ReadyForQuery. Tests call it on an
     * EmbeddedChannel and answer with the backend's bytes.
     */
    public static BackendConnection logInOn(Channel channel, BackendTarget target, int maxPreparedStatements,
                                            Promise<BackendConnection> ready) {
        BackendConnection connection = new BackendConnection(channel, target, maxPreparedStatements);
        BackendLogin login = new BackendLogin(connection, ready);
        PgFrameDecoder decoder = PgFrameDecoder.forBackends();
        decoder.streamLarge(PgFrameDecoder.STREAM_ABOVE, connection::streams);
        channel.pipeline().addLast(decoder, new SliceJoiner(), PgMessageEncoder.INSTANCE,
                new BackendFrameHandler(connection, login));
        return connection;
    }

    private static String describe(Throwable cause, BackendTarget target) {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.contains(String.valueOf(target.port())) ? message : message + " (" + target.host() + ":" + target.port() + ")";
    }
}
