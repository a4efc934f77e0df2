package dev.pgsteer.proxy.server;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.RolelessTenants;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.store.InMemoryBucketMapStore;
import dev.pgsteer.config.store.MetadataStore;
import dev.pgsteer.config.store.ShardMapCatalog;
import dev.pgsteer.proxy.backend.BackendConnector;
import dev.pgsteer.proxy.backend.pool.PoolRegistry;
import dev.pgsteer.proxy.client.CancelRegistry;
import dev.pgsteer.proxy.client.SessionRegistry;
import dev.pgsteer.proxy.client.UserDirectory;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.observe.ProxyMetrics;
import dev.pgsteer.proxy.relay.prepared.StatementRegistry;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.runtime.ReloadOutcome;
import dev.pgsteer.proxy.sharding.CatalogAtStart;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.directory.DirectoryKeys;
import dev.pgsteer.proxy.sharding.map.ShardMaps;
import dev.pgsteer.proxy.sharding.shards.ShardList;
import dev.pgsteer.proxy.sharding.transaction.DecisionLog;
import dev.pgsteer.proxy.sharding.transaction.FileDecisionLog;
import dev.pgsteer.proxy.sharding.transaction.InDoubtResolver;
import dev.pgsteer.proxy.sharding.transaction.LeaseKeeper;
import dev.pgsteer.proxy.sharding.move.LocalPlacement;
import dev.pgsteer.proxy.sharding.move.MoveFreeze;
import dev.pgsteer.proxy.sharding.move.MoveTimings;
import dev.pgsteer.proxy.sharding.move.Moves;
import dev.pgsteer.proxy.sharding.move.TenantPlacing;
import dev.pgsteer.proxy.sharding.transaction.TwoPhaseCommit;
import dev.pgsteer.proxy.tenant.control.TenantPlacements;
import dev.pgsteer.proxy.tenant.control.Tenants;
import dev.pgsteer.proxy.tls.BackendTls;
import dev.pgsteer.proxy.tls.ServerTls;
import dev.pgsteer.proxy.tls.TlsFilesException;
import dev.pgsteer.router.session.SessionRouter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running proxy: one listener, its event loops, the pools, the HTTP endpoint. Start, then close. */
public final class PgSteerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PgSteerServer.class);
    /**
     * How long a new backend connection may take to connect and log in. Short, because a session waits
     * on it: a backend that is down or unreachable must fail logins with 08006, not hold them.
     */
    static final Duration BACKEND_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private final ProxyConfig config;
    private final MeterRegistry registry;
    /** What {@code /metrics} serves: {@link #registry} itself, or a part of it when the caller gave another kind. */
    private final PrometheusMeterRegistry prometheus;
    private HttpEndpoint http;
    private EventLoopGroup acceptor;
    private EventLoopGroup workers;
    private Channel listener;
    private PoolRegistry pools;
    private BackendConnector connector;
    /** Read by each new client channel; a reload replaces it. */
    private volatile TlsState tls;
    private ProxyContext context;
    /** Set by {@link #decisionLog(Path)}; else {@link DecisionLogPlace} chooses (without a metadata store). */
    private Path decisionLogPath;
    private DecisionLog decisionLog;
    private LeaseKeeper leaseKeeper;
    private ExecutorService planner;
    private MetadataStore metadataStore;
    private ShardMaps shardMaps;
    /** The shards added at run time (ADD SHARD), merged over the file's databases. */
    private ShardList shardList;
    /** The file's configuration in force, without the added shards: what seeds the bucket maps. */
    private volatile ProxyConfig fileConfig;
    private Moves moves;
    /** Fills the sharded databases' caches of directory keys from the metadata store. */
    private DirectoryKeys directoryKeys;
    private Function<ProxyConfig, MetadataStore> storeFactory =
            MetadataStores::open;
    private TwoPhaseCommit twoPhaseCommit;
    private final StatementRegistry statements = new StatementRegistry();
    private ProxyMetrics metrics;
    private Readiness readiness;
    private Path configFile;
    private int ioThreads = IoThreads.DEFAULT;
    private Transport transport;
    private ConfigReloader reloader;
    /** The configuration in force: the one started with, then each reload's. */
    private volatile ProxyConfig current;

    public PgSteerServer(ProxyConfig config) {
        this(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /**
     * With the caller's registry: a Prometheus one is scraped as it is; any other gets the meters too,
     * through a composite that also feeds the Prometheus registry {@code /metrics} serves.
     */
    public PgSteerServer(ProxyConfig config, MeterRegistry registry) {
        this.config = config;
        if (registry instanceof PrometheusMeterRegistry given) {
            this.prometheus = given;
            this.registry = given;
        } else {
            this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            this.registry = new CompositeMeterRegistry().add(registry).add(prometheus);
        }
    }

    /**
     * Where two-phase-commit decisions of sharded databases are kept when there is no metadata store
     * (the embedded default's {@code --data}, tests); without it, {@code state_dir:} or the default
     * {@link DecisionLogPlace} names. With a metadata store they are kept there.
     */
    public PgSteerServer decisionLog(Path path) {
        this.decisionLogPath = path;
        return this;
    }

    /**
     * The file RELOAD and SIGHUP re-read ({@code --config FILE}); without one, a reload answers that
     * there is nothing to re-read.
     */
    public PgSteerServer configFile(Path file) {
        this.configFile = file;
        return this;
    }

    /** Event-loop threads for clients and backends ({@code --io-threads}); {@link IoThreads#DEFAULT}: one per two cores. */
    public PgSteerServer ioThreads(int count) {
        this.ioThreads = count;
        return this;
    }

    /** The socket implementation; without one, {@link Transport#best()} ({@code -Dpgsteer.transport}). */
    public PgSteerServer transport(Transport chosen) {
        this.transport = chosen;
        return this;
    }

    public PgSteerServer start() throws InterruptedException {
        // TLS files are read first, before a thread or a socket exists: a bad one stops the start with its reason.
        tls = TlsState.of(config);
        Transport transport = this.transport != null ? this.transport : Transport.best();
        int threads = IoThreads.count(ioThreads, Runtime.getRuntime().availableProcessors());
        if (transport.fallbackReason() != null) {
            log.info("{}; relaying with {}", transport.fallbackReason(), transport.name());
        }
        log.info("{} transport, {} io thread(s)", transport.name(), threads);
        acceptor = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        workers = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlerFactory());
        connector = new BackendConnector(BACKEND_CONNECT_TIMEOUT, transport.socketChannel(), transport.socketOptions(),
                config.maxPreparedStatements(), tls.backends());
        pools = new PoolRegistry(connector, config.maxBackendConnections());
        Map<String, ShardedDatabase> sharded = new HashMap<>();
        // The store first: with one, two-phase-commit decisions are kept there, and the shards ADD SHARD added.
        metadataStore = storeFactory.apply(config);
        fileConfig = config;
        shardList = new ShardList(metadataStore.shards());
        ProxyConfig effective;
        try {
            shardList.load();
            effective = shardList.over(config);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (effective.databases().values().stream().anyMatch(DatabaseConfig::isSharded)) {
            try {
                effective = prepareSharding(effective, sharded);
            } catch (RuntimeException e) {
                close();   // the store's pool and a lease already taken are let go
                throw e;
            }
        }
        current = effective;
        ProxyMetrics metrics = new ProxyMetrics(registry, pools, name -> name == null ? ProxyMetrics.UNKNOWN_DATABASE
                : current.database(name).map(DatabaseConfig::name).orElse(ProxyMetrics.UNKNOWN_DATABASE));
        this.metrics = metrics;
        RolelessTenants.warnings(effective).forEach(warning -> log.warn("{}", warning));
        var tenants = new Tenants(effective, metadataStore, pools);
        int placed = new TenantPlacements(effective, metadataStore.keys()).seed(tenants.directory());
        if (placed > 0) {
            log.info("placed {} tenant(s) of sharded tenant databases in their directory groups", placed);
        }
        directoryKeys = new DirectoryKeys(metadataStore.keys());
        sharded.values().forEach(database -> database.directory(directoryKeys));
        metrics.metadataStore(tenants, t -> t.store().reachable(), t -> t.store().lag(), t -> t.directory().tenants().size());
        context = new ProxyContext(new ProxyContext.Snapshot(effective, new UserDirectory(effective.users()),
                new SessionRouter(effective, tenants::directory), sharded), pools, new CancelRegistry(), metrics, statements,
                new SessionRegistry(), registry, tenants);
        sharded.forEach((name, database) -> {
            planCacheMetrics(name, database);
            database.metrics(metrics);
            database.slowStatements(context.slowStatements());
        });
        RelayFactory relays = new RelayFactory(context);
        reloader = new ConfigReloader(this);
        context.reloader(reloader::reload);
        context.addReloadListener((before, after) -> context.tenants().configChanged(after));
        shardMaps = new ShardMaps(metadataStore.bucketMaps().orElseGet(InMemoryBucketMapStore::new), context::sharded);
        context.shardMaps(shardMaps);
        // Seeded from the file's shards: a table new in the file gets the map the file means, not one over added shards.
        shardMaps.start(fileConfig);
        context.addReloadListener((before, after) -> shardMaps.reloaded(fileConfig));
        context.shardList(shardList);
        shardList.follow(list -> reloader.shardsChanged());
        startMoves();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ClientChannelInitializer(() -> tls, metrics, context, relays));
        transport.socketOptions().forEach(bootstrap::childOption);
        listener = bootstrap.bind(config.listen().host(), config.listen().port()).sync().channel();
        workers.next().scheduleAtFixedRate(() -> pools.maintainAll(workers.next()), 1, 1, TimeUnit.SECONDS);
        if (config.http() != null) {
            readiness = new Readiness(effective, () -> listener.isActive());
            readiness.backendsInUse().forEach(backend -> metrics.backendUp(backend, () -> readiness.up(backend)));
            try {
                http = HttpEndpoint.start(config.http(), prometheus, readiness);
            } catch (HttpEndpoint.CannotListenException e) {
                close();
                throw e;
            }
        }
        return this;
    }

    /** RELOAD, SIGHUP: re-reads the file given to {@link #configFile} and applies it; see {@link ProxyContext#reload}. */
    public CompletableFuture<ReloadOutcome> reload() {
        return context.reload();
    }

    // --- what ConfigReloader needs of the running server ---

    Path configFile() {
        return configFile;
    }

    ProxyConfig current() {
        return current;
    }

    /** The new configuration is about to be in force: what reads it outside the context follows. */
    void current(ProxyConfig next) {
        current = next;
        if (readiness != null) {
            readiness.reconfigure(next).forEach(backend -> metrics.backendUp(backend, () -> readiness.up(backend)));
        }
    }

    PoolRegistry pools() {
        return pools;
    }

    ShardList shardList() {
        return shardList;
    }

    /** A reload's file configuration, without the added shards, is about to be in force. */
    void fileConfig(ProxyConfig file) {
        fileConfig = file;
    }

    /**
     * TLS as a configuration asks for it, its files read: the client context (null: no TLS for clients),
     * whether clients must use it, and the backends' settings with their contexts.
     */
    record TlsState(SslContext client, boolean required, BackendTls backends) {
        /** @throws TlsFilesException when a file cannot be used */
        static TlsState of(ProxyConfig config) {
            return new TlsState(config.tls() == null ? null : ServerTls.context(config.tls()),
                    config.tls() != null && config.tls().required(), BackendTls.of(config.backends()));
        }
    }

    /**
     * A reload's TLS, for the connections opened from now on: clients that connect next get the new
     * certificate (a file replaced in place is read again, so RELOAD rotates certificates), new backend
     * connections the new sslmode; connections already open keep what they have.
     */
    void tls(TlsState next) {
        tls = next;
        connector.tls(next.backends());
    }

    /**
     * A sharded database that a reload added (or turned from single-backend to sharded). Off the
     * event loops, like the reload's shard map check: its collations and aggregates are read over JDBC here.
     */
    synchronized ShardedDatabase newShardedDatabase(ProxyConfig proxy, DatabaseConfig database) {
        if (twoPhaseCommit == null) {
            openShardingResources();
        }
        List<String> warnings = new ArrayList<>();
        CatalogAtStart.Learned catalog = CatalogAtStart.read(proxy, database, warnings);
        warnings.forEach(log::warn);
        ShardedDatabase made = new ShardedDatabase(proxy, database, catalog, pools, twoPhaseCommit, planner, statements);
        made.maps(shardMaps.current());
        if (moves != null) {
            made.guard(moves.guard());
        } else if (context != null) {
            startMoves();   // the first sharded database, made by a reload: this instance takes its part in moves now
            if (moves != null) {
                made.guard(moves.guard());
            }
        }
        if (directoryKeys != null) {
            made.directory(directoryKeys);
        }
        planCacheMetrics(database.name(), made);
        made.metrics(metrics);
        made.slowStatements(context.slowStatements());
        return made;
    }

    /** Where {@code /metrics} and {@code /health/*} are served; null when {@code http: off}. */
    public InetSocketAddress httpAddress() {
        return http == null ? null : http.address();
    }

    /** The registry {@code /metrics} serves. */
    public PrometheusMeterRegistry prometheus() {
        return prometheus;
    }

    /**
     * Checks the shard map against the backends (key columns and their types), finishes two-phase
     * commits a crash left prepared, and makes the router of each sharded database.
     */
    private ProxyConfig prepareSharding(ProxyConfig base, Map<String, ShardedDatabase> into) {
        ShardMapCatalog.Result checked = new ShardMapCatalog().check(base);
        checked.warnings().forEach(log::warn);
        ProxyConfig effective = checked.applyTo(base);
        openShardingResources();
        if (decisionLog instanceof FileDecisionLog) {
            // With a store the lease keeper finishes what ended nodes left, on its own thread.
            InDoubtResolver.resolve(effective, decisionLog).forEach(line -> log.info("two-phase commit recovery: {}", line));
        }
        for (DatabaseConfig database : effective.databases().values()) {
            if (database.isSharded()) {
                List<String> warnings = new ArrayList<>();
                CatalogAtStart.Learned catalog = CatalogAtStart.read(effective, database, warnings);
                warnings.forEach(log::warn);
                into.put(database.name(), new ShardedDatabase(effective, database, catalog, pools, twoPhaseCommit, planner,
                        statements));
            }
        }
        return effective;
    }

    /**
     * The decision log of two-phase commits and the planner threads: made once, by the first sharded
     * database. With a metadata store, the decisions are kept there under this instance's lease.
     */
    private synchronized void openShardingResources() {
        if (twoPhaseCommit != null) {
            return;
        }
        planner = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "pgsteer-planner");
            thread.setDaemon(true);
            return thread;
        });
        DecisionLogs.Opened opened = DecisionLogs.open(config, decisionLogPath, metadataStore, planner,
                () -> current != null ? current : config);
        decisionLog = opened.decisions();
        leaseKeeper = opened.keeper();
        twoPhaseCommit = new TwoPhaseCommit(decisionLog, planner);
    }

    /**
     * This instance's part in online bucket moves, once it has sharded databases and a lease in a shared
     * metadata store (a move's state and holds live there); without them MOVE BUCKET is refused.
     */
    private synchronized void startMoves() {
        if (moves != null || leaseKeeper == null || shardMaps == null || metadataStore.moves().isEmpty()) {
            return;
        }
        moves = new Moves(metadataStore.moves().get(), shardMaps, () -> current, leaseKeeper::node, registry,
                MoveTimings.DEFAULT);
        context.moves(moves);
        context.sharded().values().forEach(database -> database.guard(moves.guard()));
        Moves made = moves;
        moves.placements(new TenantPlacing(metadataStore, () -> current), new LocalPlacement() {
            @Override
            public String tenantShard(String id) {
                return context.tenants().find(id).map(TenantConfig::shard).orElse(null);
            }

            @Override
            public long keysSeen() {
                return directoryKeys.seen();
            }
        });
        context.tenants().onChange(made::placementChanged);
        directoryKeys.onChange(made::placementChanged);
        moves.start();
    }

    /**
     * For crash tests in one process: a move of this instance that reaches a point {@code freeze}
     * accepts stops there for good and the instance stops renewing its lease, as if it died at that
     * instant; {@link #close} then leaves the move where it froze, for another instance to adopt.
     */
    public void freezeMovesAt(Predicate<MoveFreeze.Point> freeze) {
        if (moves == null) {
            throw new IllegalStateException("this instance runs no moves (no metadata store, or no sharded database)");
        }
        moves.freezeAt(freeze, leaseKeeper::close);
    }

    /** For crash tests: the moves frozen by {@link #freezeMovesAt} go on, as if this instance had only been paused. */
    public void thawMoves() {
        moves.thaw();
    }

    /** Where it listens; with port 0 in the config, the port the system chose. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public ProxyContext context() {
        return context;
    }

    /**
     * The first half of a graceful stop: no new clients; sessions between transactions are ended
     * (FATAL 57P01) at once, the others when their statement or transaction ends, or at
     * {@code timeout}, whichever comes first. {@link #close} does the rest.
     */
    public void drain(Duration timeout) {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (context == null) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        var sessions = context.sessions();
        try {
            while (sessions.endIdle(ProxyErrors.shuttingDown()).get(5, TimeUnit.SECONDS) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("draining the sessions failed: {}", e.toString());
        }
        int left = sessions.endAll(ProxyErrors.shuttingDown()).join();
        if (left > 0) {
            log.info("{} session(s) were still in a statement or a transaction after {}: ended", left, timeout);
        }
    }

    /**
     * Ends every session and waits (2 s at most) until their channels are closed, while the event loops
     * still run: a channel with a read in flight (io_uring) closes only once its loop has cancelled the
     * read, which a loop already shutting down never does, and its client would wait on an open socket.
     */
    private void endSessions() {
        if (context == null) {
            return;
        }
        var sessions = context.sessions();
        try {
            sessions.endAll(ProxyErrors.shuttingDown()).get(2, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (sessions.size() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("ending the sessions at close failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.close();
        }
        if (moves != null) {
            moves.close();
        }
        if (http != null) {
            http.close();
        }
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        endSessions();
        if (pools != null) {
            pools.closeAll();
        }
        if (directoryKeys != null) {
            directoryKeys.close();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (leaseKeeper != null) {
            leaseKeeper.close();
        }
        if (planner != null) {
            planner.shutdown();
        }
        if (decisionLog != null) {
            decisionLog.close();
        }
        // Last: the lease keeper and the decision log use its pool until they stop.
        if (metadataStore != null) {
            metadataStore.close();
        }
    }

    private void planCacheMetrics(String name, ShardedDatabase database) {
        metrics.planCache(name, database, d -> d.router().shards().planCacheHits(), d -> d.router().shards().planCacheMisses(),
                d -> d.router().shards().planCacheSize());
    }
}
