package dev.pgsteer.proxy.observe;

import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.backend.pool.PoolLabel;
import dev.pgsteer.proxy.backend.pool.PoolRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;

/**
 * The proxy's meters (every one is listed in the README's Metrics section). Counting is cheap:
 * atomics, and meters looked up once per session or per pool, never per statement; pools and plan
 * caches are read only when a registry scrapes. Tags are bounded: logical database names from the
 * file, backend names, route kinds, SQLSTATE classes; never a user, a tenant or a statement.
 */
public final class ProxyMetrics {
    /** How a statement reached its backend(s): the {@code route} tag of {@code pgsteer.statements}. */
    public enum RouteKind {
        /** A sharded database's statement that ran on one shard. */
        ONE_SHARD,
        /** On several shards, not all. */
        MULTI_SHARD,
        /** On every shard of the database (more than one). */
        BROADCAST,
        /**
         * Answered by the coordinator step: rows of several shards pulled into one shard, where the
         * statement ran (see {@link #pulls}); timed from its first lease to the coordinator's answer.
         */
        COORDINATOR,
        /** A single-backend database: relayed without parsing; one per Query, Sync or FunctionCall. */
        UNPARSED;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The {@code database} tag for traffic before the client named a database, or naming none the file has. */
    public static final String UNKNOWN_DATABASE = "unknown";

    private final MeterRegistry registry;
    private final Function<String, String> logicalDatabase;
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicInteger pinnedSessions = new AtomicInteger();
    private final Counter clientsAccepted;
    private final Counter clientsRefused;
    private final Counter authFailures;
    private final Map<String, Timer> statementTimers = new ConcurrentHashMap<>();
    private final Map<String, DatabaseMeters> databases = new ConcurrentHashMap<>();
    private final PoolRegistry pools;
    private final Set<PoolLabel> poolLabels = ConcurrentHashMap.newKeySet();

    public ProxyMetrics(MeterRegistry registry, PoolRegistry pools) {
        this(registry, pools, name -> name == null ? UNKNOWN_DATABASE : name);
    }

    /**
     * {@code logicalDatabase} maps the database name a client asked for to the tag its meters carry:
     * the name of its {@code databases:} entry ({@code *} for every passthrough name), so that
     * clients cannot grow the number of series by asking for names.
     */
    public ProxyMetrics(MeterRegistry registry, PoolRegistry pools, Function<String, String> logicalDatabase) {
        this.registry = registry;
        this.logicalDatabase = logicalDatabase;
        this.pools = pools;
        Gauge.builder("pgsteer.clients.active", clients, AtomicInteger::get).description("client connections open").register(registry);
        Gauge.builder("pgsteer.clients.pinned", pinnedSessions, AtomicInteger::get)
                .description("sessions pinned to one backend connection by session state").register(registry);
        clientsAccepted = Counter.builder("pgsteer.clients.accepted").description("client connections accepted").register(registry);
        clientsRefused = Counter.builder("pgsteer.clients.refused").description("over max_client_connections").register(registry);
        authFailures = Counter.builder("pgsteer.auth.failures").description("failed client logins").register(registry);
        pools.onNewPool(this::poolAdded);
        pools.pools().forEach(this::poolAdded);
    }

    public MeterRegistry registry() {
        return registry;
    }

    private void poolAdded(BackendPool pool) {
        PoolLabel label = pool.label();
        if (!poolLabels.add(label)) {
            return;
        }
        // One series per label, summed over its pools at scrape time: tenants' pools share a label.
        Tags tags = Tags.of("backend", label.backend(), "backend_database", label.database(), "tenant_mode", label.tenantMode());
        poolGauge(label, tags, "pgsteer.pool.connections", "backend connections open or opening", p -> p.stats().total());
        poolGauge(label, tags, "pgsteer.pool.active", "backend connections leased to a session", p -> p.stats().active());
        poolGauge(label, tags, "pgsteer.pool.idle", "idle backend connections", p -> p.stats().idle());
        poolGauge(label, tags, "pgsteer.pool.waiting", "sessions waiting for a backend connection", p -> p.stats().waiting());
        FunctionCounter.builder("pgsteer.pool.acquire.timeouts", label, l -> sum(l, p -> p.stats().acquireTimeouts()))
                .description("leases that waited acquire_timeout and failed (53300)").tags(tags).register(registry);
    }

    private double sum(PoolLabel label, ToDoubleFunction<BackendPool> value) {
        double total = 0;
        for (BackendPool pool : pools.pools()) {
            if (pool.label().equals(label)) {
                total += value.applyAsDouble(pool);
            }
        }
        return total;
    }

    private void poolGauge(PoolLabel label, Tags tags, String name, String description,
                           ToDoubleFunction<BackendPool> value) {
        Gauge.builder(name, label, l -> sum(l, value)).description(description).tags(tags).register(registry);
    }

    /**
     * The metadata store: whether it answers, how old the directory served is, and how many tenants
     * it holds (a count, not a series per tenant). The meters hold {@code owner} weakly (the running
     * proxy holds it for as long as it serves) and read it through the functions at scrape time.
     */
    public <T> void metadataStore(T owner, Predicate<T> reachable, Function<T, Optional<Duration>> lag, ToIntFunction<T> tenants) {
        Gauge.builder("pgsteer.metadata.store.reachable", owner, t -> reachable.test(t) ? 1 : 0)
                .description("1 while the metadata store answers; 0 while pgsteer serves its last directory").register(registry);
        Gauge.builder("pgsteer.metadata.store.lag", owner, t -> lag.apply(t).map(d -> d.toNanos() / 1e9).orElse(Double.NaN))
                .description("seconds since the tenant directory was last confirmed current with the store")
                .baseUnit("seconds").register(registry);
        Gauge.builder("pgsteer.tenants", owner, tenants::applyAsInt)
                .description("tenants in the directory").register(registry);
    }

    /**
     * The plan cache of a sharded database: hits, misses and its size, read at scrape time from
     * {@code owner} (the database, whose router of the moment is replaced when a key type is learned).
     * The meters hold {@code owner} weakly; the running proxy holds it for as long as it serves.
     */
    public <T> void planCache(String database, T owner, ToDoubleFunction<T> hits, ToDoubleFunction<T> misses,
                              ToDoubleFunction<T> size) {
        Tags tags = Tags.of("database", database);
        FunctionCounter.builder("pgsteer.plan.cache.hits", owner, hits)
                .description("statements whose shape's plan was cached").tags(tags).register(registry);
        FunctionCounter.builder("pgsteer.plan.cache.misses", owner, misses)
                .description("statements planned with JSQLParser (shape not cached)").tags(tags).register(registry);
        Gauge.builder("pgsteer.plan.cache.size", owner, size)
                .description("statement shapes cached").tags(tags).register(registry);
    }

    /** 1 while the readiness probe reaches {@code backend}, 0 otherwise. */
    public void backendUp(String backend, BooleanSupplier up) {
        Gauge.builder("pgsteer.backend.up", up, u -> u.getAsBoolean() ? 1 : 0)
                .description("1 when the backend accepted a TCP connection at the last readiness probe")
                .tags("backend", backend).strongReference(true).register(registry);
    }

    /**
     * The timer of statements of {@code database} (a client's name for it) that took {@code route}:
     * look it up once per session, record per statement. A histogram for Prometheus' quantiles;
     * no percentiles computed in the proxy.
     */
    public Timer statements(String database, RouteKind route) {
        String tag = logicalDatabase.apply(database);
        return statementTimers.computeIfAbsent(tag + '\0' + route.tag(), key -> Timer.builder("pgsteer.statements")
                .description("statements from being sent to the backend(s) to their last ReadyForQuery, by how they were routed")
                .tags("database", tag, "route", route.tag())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry));
    }

    /**
     * The counters of rows and bytes the coordinator step of {@code database} (a sharded database's
     * entry name) pulled from shards into its coordinator. Look them up once per database.
     */
    public PullMeters pulls(String database) {
        String tag = logicalDatabase.apply(database);
        return new PullMeters(
                Counter.builder("pgsteer.coordinator.pulled.rows").tags("database", tag)
                        .description("rows pulled from shards into the coordinator by the coordinator step").register(registry),
                Counter.builder("pgsteer.coordinator.pulled.bytes").baseUnit("bytes").tags("database", tag)
                        .description("bytes of binary COPY data pulled from shards into the coordinator").register(registry));
    }

    /** Rows and bytes pulled to the coordinator; counted once per table and shard pulled, not per row. */
    public record PullMeters(Counter rows, Counter bytes) {
        public void pulled(long rowCount, long byteCount) {
            rows.increment(rowCount);
            bytes.increment(byteCount);
        }
    }

    /** The traffic meters of the database a client asked for by {@code name}; null: not known yet. */
    public DatabaseMeters database(String name) {
        String tag = name == null ? UNKNOWN_DATABASE : logicalDatabase.apply(name);
        return databases.computeIfAbsent(tag, DatabaseMeters::new);
    }

    /** Client traffic of one logical database: bytes each way, and the errors it was sent by SQLSTATE class. */
    public final class DatabaseMeters {
        private final String database;
        private final Counter received;
        private final Counter sent;
        private final Map<String, Counter> errors = new ConcurrentHashMap<>();

        DatabaseMeters(String database) {
            this.database = database;
            received = Counter.builder("pgsteer.client.received").baseUnit("bytes").tags("database", database)
                    .description("bytes of the messages clients sent after their startup packet").register(registry);
            sent = Counter.builder("pgsteer.client.sent").baseUnit("bytes").tags("database", database)
                    .description("bytes pgsteer wrote to clients").register(registry);
        }

        public void received(long bytes) {
            received.increment(bytes);
        }

        public void sent(long bytes) {
            sent.increment(bytes);
        }

        /** An ErrorResponse went to a client; {@code sqlStateClass} is its SQLSTATE's first two characters. */
        public void error(String sqlStateClass) {
            errors.computeIfAbsent(sqlStateClass, c -> Counter.builder("pgsteer.client.errors")
                    .description("ErrorResponses sent to clients, by SQLSTATE class")
                    .tags("database", database, "class", c).register(registry)).increment();
        }
    }

    /** Counts a new client; false when the limit is reached (and the client is not counted). */
    public boolean clientConnected(int limit) {
        if (clients.incrementAndGet() > limit) {
            clients.decrementAndGet();
            clientsRefused.increment();
            return false;
        }
        clientsAccepted.increment();
        return true;
    }

    public void clientDisconnected() {
        clients.decrementAndGet();
    }

    public void sessionPinned() {
        pinnedSessions.incrementAndGet();
    }

    public void pinnedSessionEnded() {
        pinnedSessions.decrementAndGet();
    }

    public void authFailed() {
        authFailures.increment();
    }
}
