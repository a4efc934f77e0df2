package dev.pgsteer.proxy.server;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.proxy.ProxyContext;
import dev.pgsteer.proxy.ProxyMetrics;
import dev.pgsteer.proxy.backend.BackendConnector;
import dev.pgsteer.proxy.backend.PoolRegistry;
import dev.pgsteer.proxy.client.CancelRegistry;
import dev.pgsteer.proxy.client.ClientHandler;
import dev.pgsteer.proxy.client.UserDirectory;
import dev.pgsteer.router.SessionRouter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The running proxy: one listener, its event loops, the pools. Start, then close. */
public final class PgSteerServer implements AutoCloseable {
    private final ProxyConfig config;
    private final MeterRegistry registry;
    private EventLoopGroup acceptor;
    private EventLoopGroup workers;
    private Channel listener;
    private PoolRegistry pools;
    private ProxyContext context;

    public PgSteerServer(ProxyConfig config) {
        this(config, new SimpleMeterRegistry());
    }

    public PgSteerServer(ProxyConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    public PgSteerServer start() throws InterruptedException {
        Transport transport = Transport.best();
        acceptor = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        workers = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()), transport.ioHandlerFactory());
        pools = new PoolRegistry(new BackendConnector(Duration.ofSeconds(10), transport.socketChannel(), config.maxPreparedStatements()));
        context = new ProxyContext(config, new UserDirectory(config.users()), new SessionRouter(config), pools,
                new CancelRegistry(), new ProxyMetrics(registry, pools), new dev.pgsteer.proxy.statement.StatementRegistry());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(
                                PgFrameDecoder.forClients(PgFrameDecoder.MAX_STARTUP_PACKET),
                                PgMessageEncoder.INSTANCE,
                                new ClientHandler(context));
                    }
                });
        listener = bootstrap.bind(config.listen().host(), config.listen().port()).sync().channel();
        workers.next().scheduleAtFixedRate(() -> pools.maintainAll(workers.next()), 1, 1, TimeUnit.SECONDS);
        return this;
    }

    /** Where it listens; with port 0 in the config, the port the system chose. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public ProxyContext context() {
        return context;
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (pools != null) {
            pools.closeAll();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
