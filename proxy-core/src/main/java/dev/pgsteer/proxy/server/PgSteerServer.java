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
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ShardMapCatalog;
import dev.pgsteer.proxy.sharding.DecisionLog;
import dev.pgsteer.proxy.sharding.InDoubtResolver;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.TwoPhaseCommit;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The running proxy: one listener, its event loops, the pools. Start, then close. */
public final class PgSteerServer implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PgSteerServer.class);
    private final ProxyConfig config;
    private final MeterRegistry registry;
    private EventLoopGroup acceptor;
    private EventLoopGroup workers;
    private Channel listener;
    private PoolRegistry pools;
    private ProxyContext context;
    private Path decisionLogPath = Path.of("pgsteer-decisions.log");
    private DecisionLog decisionLog;
    private ExecutorService planner;

    public PgSteerServer(ProxyConfig config) {
        this(config, new SimpleMeterRegistry());
    }

    public PgSteerServer(ProxyConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    /** Where two-phase-commit decisions of sharded databases are kept (default: pgsteer-decisions.log in the working directory). */
    public PgSteerServer decisionLog(Path path) {
        this.decisionLogPath = path;
        return this;
    }

    public PgSteerServer start() throws InterruptedException {
        Transport transport = Transport.best();
        acceptor = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        workers = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()), transport.ioHandlerFactory());
        pools = new PoolRegistry(new BackendConnector(Duration.ofSeconds(10), transport.socketChannel(), config.maxPreparedStatements()));
        ProxyConfig effective = config;
        Map<String, ShardedDatabase> sharded = new HashMap<>();
        if (config.databases().values().stream().anyMatch(DatabaseConfig::isSharded)) {
            effective = prepareSharding(sharded);
        }
        context = new ProxyContext(effective, new UserDirectory(effective.users()), new SessionRouter(effective), pools,
                new CancelRegistry(), new ProxyMetrics(registry, pools), new dev.pgsteer.proxy.statement.StatementRegistry(),
                Map.copyOf(sharded), new dev.pgsteer.proxy.client.SessionRegistry(), registry);
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

    /**
     * Checks the shard map against the backends (key columns and their types), finishes two-phase
     * commits a crash left prepared, and makes the router of each sharded database.
     */
    private ProxyConfig prepareSharding(Map<String, ShardedDatabase> into) {
        ShardMapCatalog.Result checked = new ShardMapCatalog().check(config);
        checked.warnings().forEach(log::warn);
        ProxyConfig effective = checked.applyTo(config);
        decisionLog = DecisionLog.open(decisionLogPath);
        InDoubtResolver.resolve(effective, decisionLog).forEach(line -> log.info("two-phase commit recovery: {}", line));
        planner = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "pgsteer-planner");
            thread.setDaemon(true);
            return thread;
        });
        TwoPhaseCommit twoPhaseCommit = new TwoPhaseCommit(decisionLog, planner);
        for (DatabaseConfig database : effective.databases().values()) {
            if (database.isSharded()) {
                into.put(database.name(), new ShardedDatabase(effective, database, pools, twoPhaseCommit, planner));
            }
        }
        return effective;
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
        if (planner != null) {
            planner.shutdown();
        }
        if (decisionLog != null) {
            decisionLog.close();
        }
    }
}
