package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMapEdits;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.MoveConflictException;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.config.store.MoveStore;
import dev.pgsteer.config.store.MovesState;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.map.MapChangeException;
import dev.pgsteer.proxy.sharding.map.ShardMaps;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's part in the online moves: it starts the moves its console is given (each on a
 * thread of its own, {@link Mover}), follows every move in the store to guard its statements
 * ({@link MoveGuard}) and acknowledges that it does, reports the shard map version it routes by, and
 * every second adopts the moves of instances whose lease ended (and resumes its own that have no
 * thread: after a store outage), so a move whose instance stopped is finished or rolled back by
 * another, or by this one at its next start. Control plane: blocks on the store; never on a loop.
 */
public final class Moves implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Moves.class);

    private final MoveStore store;
    private final ShardMaps maps;
    private final Supplier<ProxyConfig> config;
    private final Supplier<String> node;
    private final MoveTimings timings;
    private final MoveGuard guard;
    private final MoveMetrics metrics;
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private final Set<String> acked = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon(true).name("pgsteer-moves").unstarted(r));
    private final MoveFreeze freeze = new MoveFreeze();
    private volatile MovesState state = MovesState.NONE;
    private volatile boolean closed;
    /** The store's tenant and key directories, for MOVE TENANT and MOVE KEY; null: this instance cannot make such moves. */
    private volatile TenantPlacing placing;

    public Moves(MoveStore store, ShardMaps maps, Supplier<ProxyConfig> config, Supplier<String> node, MeterRegistry registry,
                 MoveTimings timings) {
        this.store = store;
        this.maps = maps;
        this.config = config;
        this.node = node;
        this.timings = timings;
        this.guard = new MoveGuard(() -> maps.current().version(), timings.writeWait());
        this.metrics = new MoveMetrics(registry, this::byPhase);
        guard.onWait(metrics::waited);
    }

    public MoveGuard guard() {
        return guard;
    }

    /**
     * The tenant and key directories: the store's, which tenant and key moves change ({@code placing}), and
     * this instance's copies ({@code local}), by which its holds are released. Before {@link #start}.
     */
    public void placements(TenantPlacing placing, LocalPlacement local) {
        this.placing = placing;
        guard.placement(local);
    }

    /** This instance's tenant or key directory changed: tenant and key moves' holds and acknowledgements follow it. */
    public void placementChanged() {
        guard.placementChanged();
        Thread.ofVirtual().name("pgsteer-move-placement").start(() -> followed(state));
    }

    /**
     * {@code MOVE TENANT id TO shard}: records the move of the tenant with its rows (a shared tenant of a
     * database whose tenancy places tenants by a directory group, or a tenant in its own schema) and
     * starts it here; returns the move as recorded (phase checking).
     */
    public MoveRecord moveTenant(String tenant, String target) {
        return record(TenantMoves.tenantDraft(new TenantMoves.Request(tenant, target), config.get(), requirePlacing()));
    }

    /** {@code MOVE KEY 'k' OF group [IN database] TO shard}: a directory key with its rows, as a shared tenant moves. */
    public MoveRecord moveKey(String databaseName, String group, String key, String target) {
        DatabaseConfig database = onlyDatabase(databaseName, null, group);
        return record(TenantMoves.keyDraft(database, group, key, target, requirePlacing()));
    }

    private TenantPlacing requirePlacing() {
        TenantPlacing p = placing;
        if (p == null) {
            throw new MapChangeException(SqlState.FEATURE_NOT_SUPPORTED, "this instance has no tenant directory to move tenants in", null);
        }
        return p;
    }

    private MoveRecord record(MoveRecord draft) {
        MoveRecord made;
        try {
            made = store.create(draft, node.get());
        } catch (MoveConflictException e) {
            throw new MapChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, e.getMessage(), null);
        }
        log.info("move {}: {} of database {} from {} to {}", made.id(), made.what(), made.database(), made.source(), made.target());
        run(made);
        return made;
    }

    MoveMetrics metrics() {
        return metrics;
    }

    /** Follows the store, reports this instance's map version, and starts the adoption of orphaned moves. */
    public void start() {
        maps.onApplied(applied -> {
            guard.mapsApplied();
            Thread.ofVirtual().name("pgsteer-move-version").start(() -> report(applied.version()));
        });
        report(maps.current().version());
        store.follow(this::followed);
        ticker.scheduleWithFixedDelay(this::tick, 0, 1, TimeUnit.SECONDS);
    }

    /**
     * {@code MOVE BUCKET bucket OF table [IN database] TO shard}: records the move and starts it here;
     * returns the move as recorded (phase checking).
     */
    public MoveRecord move(String databaseName, String tableName, String bucketLabel, String target) {
        String table = tableName.toLowerCase(Locale.ROOT);
        DatabaseConfig database = databaseOf(databaseName, table);
        if (!(database.tables().get(table) instanceof TableConfig.Sharded sharded)
                || !(sharded.function() instanceof ShardFunction.Hash)) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "table " + table + " of database " + database.name()
                    + " is not hash-sharded: only hash-sharded tables have buckets to move", "SHOW BUCKETS lists them");
        }
        if (!database.shards().contains(target)) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "database " + database.name() + " has no shard " + target,
                    "its shards are " + String.join(", ", database.shards()));
        }
        BucketMap map = database.bucketsOf(sharded);
        BucketMap.Bucket bucket;
        try {
            bucket = BucketMapEdits.bucket(map, bucketLabel);
        } catch (IllegalArgumentException e) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, e.getMessage(), "SHOW BUCKETS lists the buckets");
        }
        if (bucket.shard().equals(target)) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "bucket " + bucket.label() + " of table " + table
                    + " is on " + target + " already", "SHOW BUCKETS lists where each bucket is");
        }
        List<String> group = BucketMapEdits.group(database, sharded);
        List<String> keys = group.stream().map(t -> ((TableConfig.Sharded) database.tables().get(t)).key()).toList();
        MoveRecord made;
        try {
            made = store.create(MoveRecord.draft(database.name(), group, keys, null, bucket.modulus(), bucket.remainder(),
                    bucket.shard(), target), node.get());
        } catch (MoveConflictException e) {
            throw new MapChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, e.getMessage(), null);
        }
        log.info("move {}: {} of database {} from {} to {}", made.id(), made.what(), made.database(), made.source(), made.target());
        run(made);
        return made;
    }

    /**
     * {@code REBALANCE [table] [IN database]}: every hash group of the database (the table's only, when
     * named) evened out over its shards, added ones included. Returns the plan's moves as recorded,
     * the first of each group running and the others queued; none when every group is balanced.
     */
    public List<MoveRecord> rebalance(String databaseName, String tableName) {
        String table = tableName == null ? null : tableName.toLowerCase(Locale.ROOT);
        DatabaseConfig database = table == null ? onlyDatabase(databaseName, null) : databaseOf(databaseName, table);
        return enqueue(database, table, new MovePlans.Rebalance());
    }

    /** {@code SPLIT SHARD source TO target [IN database]}: half of {@code source}'s share of each hash group moved to {@code target}. */
    public List<MoveRecord> splitShard(String databaseName, String source, String target) {
        DatabaseConfig database = onlyDatabase(databaseName, source);
        for (String shard : List.of(source, target)) {
            if (!database.shards().contains(shard)) {
                throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "database " + database.name() + " has no shard " + shard,
                        "its shards are " + String.join(", ", database.shards()) + " (ADD SHARD one first)");
            }
        }
        return enqueue(database, null, new MovePlans.Split(source, target));
    }

    /**
     * Plans every group first (a refusal then changes nothing), splits the groups whose plan needs it
     * (a new map version, no row moved), and records the moves of every group in one transaction, so
     * that the plan is whole in the store or not there at all.
     */
    private List<MoveRecord> enqueue(DatabaseConfig database, String table, MovePlans.Goal goal) {
        List<MovePlans.GroupPlan> plans = new ArrayList<>();
        for (Map.Entry<String, List<String>> group : MovePlans.groups(database, table).entrySet()) {
            unfinished(group.getKey()).ifPresent(m -> {
                throw new MapChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "table " + group.getKey() + " has a move"
                        + " that is not finished (" + m.id() + ", " + m.what() + ", " + m.phase() + ")",
                        "wait for SHOW MOVES to say done, or CANCEL MOVE " + m.id());
            });
            MovePlans.GroupPlan plan = MovePlans.plan(database, group.getKey(), group.getValue(), goal);
            if (!plan.plan().isEmpty()) {
                plans.add(plan);
            }
        }
        for (MovePlans.GroupPlan plan : plans) {
            if (plan.plan().splitInto() > 0) {
                maps.split(database.name(), plan.table(), plan.plan().splitInto());
            }
        }
        DatabaseConfig now = plans.isEmpty() ? database : databaseOf(database.name(), plans.getFirst().table());
        List<MoveRecord> drafts = new ArrayList<>();
        for (MovePlans.GroupPlan plan : plans) {
            drafts.addAll(MovePlans.drafts(now, plan));
        }
        if (drafts.isEmpty()) {
            return List.of();
        }
        List<MoveRecord> made;
        try {
            made = store.enqueue(drafts, node.get());
        } catch (MoveConflictException e) {
            throw new MapChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, e.getMessage(), null);
        }
        for (MoveRecord m : made) {
            log.info("move {}: {} of database {} from {} to {} ({})", m.id(), m.what(), m.database(), m.source(), m.target(), m.phase());
            if (!MovePhase.of(m.phase()).queued()) {
                run(m);
            }
        }
        return made;
    }

    /** {@code CANCEL MOVE id}: the move's phase when asked; a flipped move cannot be cancelled. */
    public String cancel(long id) {
        MoveRecord move = store.get(id).orElseThrow(() -> new MapChangeException(SqlState.UNDEFINED_OBJECT, "there is no move " + id,
                "SHOW MOVES lists them"));
        MovePhase phase = MovePhase.of(move.phase());
        if (phase.queued() && store.cancelQueued(id)) {
            return MovePhase.CANCELLED.label();
        }
        if (phase.finished()) {
            throw new MapChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "move " + id + " is " + phase.label() + " already",
                    null);
        }
        if (phase.flipped()) {
            throw new MapChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "move " + id + " is " + phase.label()
                    + ": " + move.what() + " is on " + move.target() + " already, and the move only finishes its cleanup now",
                    "to bring it back, MOVE it again once this one is done");
        }
        return store.requestCancel(id).orElseThrow();
    }

    /**
     * The unfinished move of {@code table}'s group, if any: SET BUCKET and SPLIT BUCKETS wait for it, since
     * the move flips the bucket map it saw (a bucket set elsewhere meanwhile would be flipped from where its rows are not).
     */
    public Optional<MoveRecord> unfinished(String table) {
        String name = table.toLowerCase(Locale.ROOT);
        return store.state().active().stream().filter(m -> m.tables().contains(name)).findFirst();
    }

    /** The unfinished tenant or key move of tenant or key {@code subject} of {@code database}, if any. */
    public Optional<MoveRecord> moving(String database, String subject) {
        return store.state().active().stream().filter(m -> !m.bucket() && m.database().equals(database)
                && (subject.equals(m.subject()) || subject.equals(m.keyValue()))).findFirst();
    }

    public List<MoveRecord> list() {
        return store.list(100);
    }

    public Optional<MoveRecord> get(long id) {
        return store.get(id);
    }

    private void followed(MovesState now) {
        if (closed) {
            return;   // a dead instance acknowledges nothing
        }
        state = now;
        guard.update(now);
        Set<String> seen = new HashSet<>();
        for (MoveRecord m : now.active()) {
            for (String what : guard.acknowledgements(m.id())) {
                String key = m.id() + "/" + node.get() + "/" + what;
                seen.add(key);
                if (!acked.contains(key)) {
                    try {
                        store.ack(m.id(), node.get(), what);
                        acked.add(key);
                    } catch (RuntimeException e) {
                        log.warn("move {}: cannot acknowledge {} in the metadata store: {}", m.id(), what, e.getMessage());
                    }
                }
            }
        }
        acked.retainAll(seen);
    }

    private void tick() {
        if (closed) {
            return;
        }
        try {
            String me = node.get();
            for (MoveRecord adopted : store.adoptOrphans(me)) {
                log.warn("move {} ({}) belonged to instance {}, whose lease ended: this instance carries it on from {}",
                        adopted.id(), adopted.what(), adopted.owner(), adopted.phase());
            }
            for (MoveRecord started : store.startQueued(me)) {
                log.info("move {} ({}): its turn in the plan, started", started.id(), started.what());
            }
            for (MoveRecord m : store.state().active()) {
                if (me.equals(m.owner()) && !MovePhase.of(m.phase()).queued()) {
                    run(m);
                }
            }
        } catch (RuntimeException e) {
            log.debug("moves: {}", e.getMessage());
        }
    }

    private void run(MoveRecord move) {
        if (closed) {
            return;
        }
        running.compute(move.id(), (id, was) -> {
            if (was != null && was.thread().isAlive()) {
                return was;
            }
            Mover mover = new Mover(move, store, maps, config, node.get(), timings, metrics, placing, freeze);
            return new Running(mover, Thread.ofVirtual().name("pgsteer-move-" + id).start(() -> {
                try {
                    mover.run();
                } catch (RuntimeException e) {
                    log.error("move {}: stopped: {}", id, e.getMessage(), e);
                }
            }));
        });
    }

    private record Running(Mover mover, Thread thread) {
    }

    private void report(long version) {
        try {
            store.reportVersion(node.get(), version);
        } catch (RuntimeException e) {
            log.debug("cannot report shard map version {}: {}", version, e.getMessage());
        }
    }

    private Map<MovePhase, Long> byPhase() {
        Map<MovePhase, Long> counts = new EnumMap<>(MovePhase.class);
        for (MoveRecord m : state.active()) {
            counts.merge(MovePhase.of(m.phase()), 1L, Long::sum);
        }
        return counts;
    }

    /** Database {@code name}, or the only sharded one (with shard {@code shard}, when given) when no name is. */
    private DatabaseConfig onlyDatabase(String name, String shard) {
        return onlyDatabase(name, shard, null);
    }

    /** As above; with {@code group}, the only one with that directory group. */
    private DatabaseConfig onlyDatabase(String name, String shard, String group) {
        if (name != null) {
            return databaseOf(name, null);
        }
        List<DatabaseConfig> sharded = config.get().databases().values().stream()
                .filter(db -> db.isSharded() && (shard == null || db.shards().contains(shard)))
                .filter(db -> group == null || TenantMoves.groupTables(db, group).size() > 0).toList();
        if (sharded.size() != 1) {
            throw new MapChangeException(sharded.isEmpty() ? SqlState.INVALID_CATALOG_NAME : SqlState.INVALID_PARAMETER_VALUE,
                    sharded.isEmpty() ? "there is no sharded database" + (shard == null ? "" : " with a shard " + shard)
                            : "there are several sharded databases", "add IN database");
        }
        return maps.current().applyTo(sharded.getFirst());
    }

    private DatabaseConfig databaseOf(String name, String table) {
        Map<String, DatabaseConfig> all = config.get().databases();
        if (name != null) {
            DatabaseConfig db = all.get(name);
            if (db == null || !db.isSharded()) {
                throw new MapChangeException(SqlState.INVALID_CATALOG_NAME, "there is no sharded database " + name, null);
            }
            return maps.current().applyTo(db);
        }
        List<DatabaseConfig> having = all.values().stream().filter(db -> db.isSharded() && db.tables().containsKey(table)).toList();
        if (having.size() != 1) {
            throw new MapChangeException(having.isEmpty() ? SqlState.UNDEFINED_TABLE : SqlState.INVALID_PARAMETER_VALUE,
                    having.isEmpty() ? "no sharded database has a table " + table : "table " + table + " is in several databases",
                    having.isEmpty() ? "SHOW BUCKETS lists the hash-sharded tables" : "add IN database");
        }
        return maps.current().applyTo(having.getFirst());
    }

    /**
     * For crash tests: a move of this instance that reaches a point {@code freeze} accepts stops there,
     * and the instance acts dead from then on: it adopts, starts and acknowledges nothing more, and
     * {@code dead} stops its lease ({@link MoveFreeze}).
     */
    public void freezeAt(Predicate<MoveFreeze.Point> freeze, Runnable dead) {
        this.freeze.freezeAt(freeze, () -> {
            closed = true;
            ticker.shutdownNow();
            dead.run();
        });
    }

    /** For crash tests: the frozen moves go on, as a paused instance's would ({@link MoveFreeze#thaw}). */
    public void thaw() {
        freeze.thaw();
    }

    /** Stops this instance's movers where they are: another instance (or this one's next start) carries them on. */
    @Override
    public void close() {
        closed = true;
        ticker.shutdownNow();
        running.values().forEach(r -> {
            r.mover().stop();
            r.thread().interrupt();
        });
    }
}
