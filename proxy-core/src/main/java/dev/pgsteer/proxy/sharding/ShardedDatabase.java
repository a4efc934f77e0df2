package dev.pgsteer.proxy.sharding;

import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.backend.pool.PoolRegistry;
import dev.pgsteer.proxy.backend.pool.PoolSettings;
import dev.pgsteer.proxy.observe.ProxyMetrics;
import dev.pgsteer.proxy.observe.ProxyMetrics.PullMeters;
import dev.pgsteer.proxy.observe.ProxyMetrics.RouteKind;
import dev.pgsteer.proxy.observe.SlowStatementLog;
import dev.pgsteer.proxy.relay.prepared.StatementRegistry;
import dev.pgsteer.proxy.sharding.coordinator.HiddenRows;
import dev.pgsteer.proxy.sharding.coordinator.OpenSteps;
import dev.pgsteer.proxy.sharding.directory.DirectoryKeys;
import dev.pgsteer.proxy.sharding.transaction.TwoPhaseCommit;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.directory.KeyCaches;
import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.Functions;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sharded logical database as the running proxy serves it: its router (with the plan cache all
 * its sessions share), a pool per shard, the two-phase commit of its transactions, and the executor
 * that plans statements whose shape is not cached yet, off the event loops.
 */
public final class ShardedDatabase {
    private static final Logger log = LoggerFactory.getLogger(ShardedDatabase.class);
    /** Distinct statement shapes whose analysis stays cached. */
    static final int PLAN_CACHE_SIZE = 10_000;
    /** The catalog is read again for a name it did not have at most this often. */
    private static final long CATALOG_REREAD_NANOS = TimeUnit.SECONDS.toNanos(10);

    private volatile DatabaseConfig config;
    /** The bucket maps in force ({@link #maps(BucketMaps)}), applied over every configuration this database gets. */
    private volatile BucketMaps maps = BucketMaps.NONE;
    /** Replaced, with an empty plan cache, when a key type is learned: plans hold the tables as they were. */
    private volatile Router router;
    private final TwoPhaseCommit twoPhaseCommit;
    private final Executor planner;
    private final Map<String, BackendPool> pools = new ConcurrentHashMap<>();
    private volatile ProxyConfig proxy;
    private volatile SlowStatementLog slowStatements = new SlowStatementLog(null);
    private final PoolRegistry registry;
    private final StatementRegistry statements;
    private final LearnedColumns columns = new LearnedColumns();
    private final Map<RouteKind, Timer> statementTimers =
            new EnumMap<>(RouteKind.class);
    /** This instance's knowledge of the database's directory groups; kept across routers. */
    private final KeyCaches keys;
    /** Fills {@link #keys} from the metadata store; null until the server attaches it. */
    private volatile DirectoryKeys directory;
    private volatile StatementGuard guard;
    /** The coordinator steps running now, for SHOW COORDINATORS. */
    private final OpenSteps coordinatorSteps = new OpenSteps();
    /** When the catalog was last read again for a name it did not have (nanoTime); 0: never. */
    private final AtomicLong catalogReread = new AtomicLong();
    /** Null until {@link #metrics} (tests that build a database without meters). */
    private volatile PullMeters pulls;

    public ShardedDatabase(ProxyConfig proxy, DatabaseConfig config, PoolRegistry registry, TwoPhaseCommit twoPhaseCommit,
                           Executor planner, StatementRegistry statements) {
        this(proxy, config, new CatalogAtStart.Learned(Collations.BYTEWISE_DEFAULT, Functions.BUILTIN), registry,
                twoPhaseCommit, planner, statements);
    }

    /** {@code catalog}: how the database's values compare and which aggregates it has, as its catalog said at start. */
    public ShardedDatabase(ProxyConfig proxy, DatabaseConfig config, CatalogAtStart.Learned catalog, PoolRegistry registry,
                           TwoPhaseCommit twoPhaseCommit, Executor planner, StatementRegistry statements) {
        this.proxy = proxy;
        this.statements = statements;
        this.config = config;
        this.registry = registry;
        this.keys = KeyCaches.following(config.name(), KeyCaches.DEFAULT_CAPACITY);
        this.router = new Router(ShardRouter.of(config, catalog.collations(), catalog.functions(), PLAN_CACHE_SIZE, keys)
                .withCatalogGap(this::catalogGap));
        this.twoPhaseCommit = twoPhaseCommit;
        this.planner = planner;
    }

    /** Takes the timers of this database's statements, one per route kind, from the proxy's meters. */
    public void metrics(ProxyMetrics metrics) {
        for (RouteKind kind : RouteKind.values()) {
            if (kind != RouteKind.UNPARSED) {
                statementTimers.put(kind, metrics.statements(config.name(), kind));
            }
        }
        pulls = metrics.pulls(config.name());
    }

    /**
     * Counts a statement that ran on {@code route}'s shards, started at {@code startedNanos}
     * ({@link System#nanoTime}): one shard, several, or every shard of the database.
     */
    public void statementDone(Route route, long startedNanos) {
        int shards = route.shards().size();
        RouteKind kind = shards == 1 ? RouteKind.ONE_SHARD
                : shards >= config.shards().size() ? RouteKind.BROADCAST
                : RouteKind.MULTI_SHARD;
        statementDone(kind, startedNanos);
    }

    /** Counts a statement the coordinator step answered (or failed), started at {@code startedNanos}. */
    public void coordinatedStatementDone(long startedNanos) {
        statementDone(RouteKind.COORDINATOR, startedNanos);
    }

    private void statementDone(RouteKind kind, long startedNanos) {
        Timer timer = statementTimers.get(kind);
        if (timer != null) {
            timer.record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The coordinator steps of this database's sessions that run now. */
    public OpenSteps coordinatorSteps() {
        return coordinatorSteps;
    }

    /** Where the coordinator step counts the rows and bytes it pulls; null when this database has no meters. */
    public PullMeters pullMeters() {
        return pulls;
    }

    public DatabaseConfig config() {
        return config;
    }

    /** Where this database's statements go; its {@link Router#shards()} holds the plan cache. */
    public Router router() {
        return router;
    }

    /**
     * Routes this database's directory keys by {@code directory} from now on, its groups loaded now
     * (blocking on the metadata store: off the event loops).
     */
    public void directory(DirectoryKeys directory) {
        directory.attach(config, keys);
        this.directory = directory;
    }

    /** Guards this database's statements while its buckets move (online moves need a metadata store). */
    public void guard(StatementGuard guard) {
        this.guard = guard;
    }

    /** Null when this instance runs no moves. */
    /**
     * What the coordinator step's pulls must leave out now (a moving bucket's copies), by the map this
     * database routes by when asked: asked once per coordinated statement.
     */
    public HiddenRows hiddenRows() {
        StatementGuard g = guard;
        DatabaseConfig now = config();
        if (g == null || !g.active(now.name())) {
            return HiddenRows.NONE;
        }
        return (table, shard) -> g.hidden(now.name(), now, table, shard);
    }

    public StatementGuard guard() {
        return guard;
    }

    /** What looks up keys this instance has not cached; null when none is attached. */
    public DirectoryKeys directory() {
        return directory;
    }

    /** This instance's caches of the database's directory groups. */
    public KeyCaches keys() {
        return keys;
    }

    /** The columns of sharded tables its sessions read from the catalog, for INSERTs without a column list. */
    public LearnedColumns columns() {
        return columns;
    }

    /** Sharded tables whose key type is not known yet (they did not exist when pgsteer started). */
    List<TableConfig.Sharded> tablesOfUnknownKeyType() {
        List<TableConfig.Sharded> unknown = new ArrayList<>();
        for (TableConfig table : config.tables().values()) {
            if (table instanceof TableConfig.Sharded sharded && sharded.keyType() == null) {
                unknown.add(sharded);
            }
        }
        return unknown;
    }

    /**
     * A table's key type became known (the table was created through pgsteer): from now on its keys
     * hash and compare as that type, exactly as PostgreSQL's partitioning of that type would.
     */
    synchronized void learned(String table, KeyType type) {
        if (!(config.tables().get(table) instanceof TableConfig.Sharded sharded) || type.equals(sharded.keyType())) {
            return;
        }
        Map<String, TableConfig> tables = new LinkedHashMap<>(config.tables());
        tables.put(table, sharded.withKeyType(type));
        config = config.withTables(tables);
        router = new Router(router.shards().reconfigured(config));
    }

    /**
     * The catalog told how values compare (after DDL): merge plans from now on are decided with it,
     * so text in a linguistic collation is ordered by PostgreSQL, not by the merge.
     */
    synchronized void learned(Collations collations) {
        if (!collations.equals(router.shards().collations())) {
            router = new Router(router.shards().withCollations(collations));
        }
    }

    /**
     * The catalog told which functions are aggregates of the database's own (after DDL): a SELECT over
     * several shards calling one is answered by the coordinator step from now on, not concatenated.
     */
    synchronized void learned(Functions functions) {
        if (!functions.equals(router.shards().functions())) {
            router = new Router(router.shards().withFunctions(functions));
        }
    }

    /**
     * A plan met a name the catalog read did not have (a function, a table or column made on the
     * shards directly since): that statement is coordinated, which is exact; reading the catalog
     * again, off the event loops and at most every ten seconds, lets the next plans merge what is
     * known then ({@link #learned(Collations)}, {@link #learned(Functions)} replace the router only
     * on a change). A read that fails changes nothing.
     */
    private void catalogGap() {
        long now = System.nanoTime();
        long last = catalogReread.get();
        if ((last != 0 && now - last < CATALOG_REREAD_NANOS) || !catalogReread.compareAndSet(last, now == 0 ? 1 : now)) {
            return;
        }
        try {
            planner.execute(this::readCatalogAgain);
        } catch (RuntimeException e) {
            // Shutting down (the executor refuses work): the plan stands as it is, coordinated.
            log.debug("database {}: the catalog is not read again: {}", config.name(), e.toString());
        }
    }

    private void readCatalogAgain() {
        List<String> warnings = new ArrayList<>();
        try {
            CatalogAtStart.Learned read = CatalogAtStart.read(proxy, config, warnings);
            if (warnings.isEmpty()) {
                learned(read.collations());
                learned(read.functions());
                return;
            }
        } catch (RuntimeException e) {
            warnings.add(e.toString());
        }
        log.warn("database {}: could not read the catalog again for a name it did not have: {}", config.name(),
                String.join("; ", warnings));
    }

    /**
     * A reload: the new shard map (and pool settings, backends) for this database's next statements,
     * its sessions' included; a statement being planned or run keeps the router it started with. The
     * plan cache starts empty, its counts go on. Pools are looked up again, so a changed backend URL
     * takes a new pool; sessions that hold a connection of the old one finish with it.
     */
    public synchronized void reconfigure(ProxyConfig newProxy, DatabaseConfig newConfig) {
        if (!newConfig.name().equals(config.name())) {
            throw new IllegalArgumentException("database " + config.name() + " cannot become " + newConfig.name());
        }
        proxy = newProxy;
        config = withMaps(maps, newConfig);
        router = new Router(router.shards().reconfigured(config));
        pools.clear();
        columns.forget();
        DirectoryKeys keyDirectory = directory;
        if (keyDirectory != null) {
            // A group the reload added is loaded now (the reload runs on its own thread), the others are kept.
            keyDirectory.attach(newConfig, keys);
        }
    }

    /**
     * A shard map version: the bucket maps of this database's hash-sharded tables from now on, for the
     * next statements of every session, with an empty plan cache (plans hold the tables' maps); a
     * statement being planned or run keeps the router it started with, and a transaction that started
     * before is checked statement by statement ({@code sharding.map.TransactionMap}). An older version
     * than the one in force is ignored: the store's notifications and this instance's own changes may
     * arrive in either order.
     */
    public synchronized void maps(BucketMaps next) {
        if (next.version() < maps.version()) {
            return;
        }
        DatabaseConfig mapped = withMaps(next, config);
        maps = next;
        if (mapped != config) {
            config = mapped;
            router = new Router(router.shards().reconfigured(mapped));
        }
    }

    /** The shard map version this database routes by (0 before any). */
    public long mapVersion() {
        return maps.version();
    }

    private static DatabaseConfig withMaps(BucketMaps maps, DatabaseConfig database) {
        try {
            return maps.applyTo(database);
        } catch (IllegalArgumentException e) {
            // A stored map that does not fit this database (it names a shard the file no longer has):
            // keep routing by the maps in hand rather than by nothing, and say so.
            log.error("database {}: the bucket maps of shard map version {} do not fit its shards ({}); not applied",
                    database.name(), maps.version(), e.getMessage());
            return database;
        }
    }

    /** The slow-statement log this database's sessions report to. */
    public void slowStatements(SlowStatementLog log) {
        this.slowStatements = log;
    }

    public SlowStatementLog slowStatements() {
        return slowStatements;
    }

    /** Proxy-wide names of prepared statements, shared with single-backend sessions on the same pools. */
    public StatementRegistry statements() {
        return statements;
    }

    public TwoPhaseCommit twoPhaseCommit() {
        return twoPhaseCommit;
    }

    public Executor planner() {
        return planner;
    }

    /** The pool of {@code shard}, made on first use. */
    public BackendPool pool(String shard) {
        // Asked at every lease of a shard: a plain read first, computeIfAbsent (and its lambda) only for a shard's first pool.
        BackendPool pool = pools.get(shard);
        if (pool != null) {
            return pool;
        }
        return pools.computeIfAbsent(shard, s -> {
            BackendTarget target = BackendTarget.of(proxy.backends().get(s), proxy.shardDatabaseName(config, s));
            return registry.poolFor(target, PoolSettings.of(config.pool()));
        });
    }
}
