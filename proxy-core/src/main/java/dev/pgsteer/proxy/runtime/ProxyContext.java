package dev.pgsteer.proxy.runtime;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.proxy.backend.pool.PoolRegistry;
import dev.pgsteer.proxy.client.CancelRegistry;
import dev.pgsteer.proxy.client.ClientServices;
import dev.pgsteer.proxy.client.SessionRegistry;
import dev.pgsteer.proxy.client.UserDirectory;
import dev.pgsteer.proxy.observe.ProxyMetrics;
import dev.pgsteer.proxy.observe.SlowStatementLog;
import dev.pgsteer.proxy.relay.prepared.StatementRegistry;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.map.ShardMaps;
import dev.pgsteer.proxy.sharding.shards.ShardList;
import dev.pgsteer.proxy.sharding.move.Moves;
import dev.pgsteer.proxy.tenant.control.Tenants;
import dev.pgsteer.router.session.SessionRouter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every client session needs from the running proxy, handed down through constructors.
 * {@code sessions} and {@code meters} are read by the admin console (SHOW CLIENTS, SHOW STATS);
 * {@code tenants} is the tenant directory and where each tenant's statements go.
 *
 * <p>What comes from the configuration file ({@link #config}, {@link #users}, {@link #router},
 * {@link #sharded}) is one {@link Snapshot}, swapped whole by a reload: a caller that reads two of
 * them at once should take {@link #snapshot()} once, so both come from the same file. A session keeps
 * the objects it took at login (its pool, its {@link ShardedDatabase}); a sharded database is
 * reconfigured in place, so its sessions' next statements follow the new shard map.
 */
public final class ProxyContext implements ClientServices {
    private static final Logger log = LoggerFactory.getLogger(ProxyContext.class);

    /** The configuration and what is derived from it, as one value. */
    public record Snapshot(ProxyConfig config, UserDirectory users, SessionRouter router, Map<String, ShardedDatabase> sharded) {
        public Snapshot {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(users, "users");
            Objects.requireNonNull(router, "router");
            sharded = Map.copyOf(sharded);
        }
    }

    /** Re-reads the configuration and applies it; set by the server that owns the pools and the sharding. */
    @FunctionalInterface
    public interface Reloader {
        CompletableFuture<ReloadOutcome> reload();
    }

    private volatile Snapshot snapshot;
    private final PoolRegistry pools;
    private final CancelRegistry cancels;
    private final ProxyMetrics metrics;
    private final StatementRegistry statements;
    private final SessionRegistry sessions;
    private final MeterRegistry meters;
    private final SlowStatementLog slowStatements;
    private final Tenants tenants;
    private final List<ReloadListener> listeners = new CopyOnWriteArrayList<>();
    /** The bucket maps and their changes; null until the server sets them (tests that build a context alone). */
    private volatile ShardMaps shardMaps;
    /** The shards added at run time; null until the server sets it. */
    private volatile ShardList shardList;
    private volatile Moves moves;
    private volatile Reloader reloader = () -> CompletableFuture.completedFuture(ReloadOutcome.noFile());

    public ProxyContext(Snapshot snapshot, PoolRegistry pools, CancelRegistry cancels, ProxyMetrics metrics,
                        StatementRegistry statements, SessionRegistry sessions, MeterRegistry meters,
                        Tenants tenants) {
        this.tenants = tenants;
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.pools = pools;
        this.cancels = cancels;
        this.metrics = metrics;
        this.statements = statements;
        this.sessions = sessions;
        this.meters = meters;
        this.slowStatements = new SlowStatementLog(snapshot.config().logging().slowStatement());
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    public ProxyConfig config() {
        return snapshot.config();
    }

    public UserDirectory users() {
        return snapshot.users();
    }

    public SessionRouter router() {
        return snapshot.router();
    }

    public Map<String, ShardedDatabase> sharded() {
        return snapshot.sharded();
    }

    public PoolRegistry pools() {
        return pools;
    }

    public CancelRegistry cancels() {
        return cancels;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public StatementRegistry statements() {
        return statements;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    public MeterRegistry meters() {
        return meters;
    }

    public Tenants tenants() {
        return tenants;
    }

    /** The bucket maps this instance routes by, which the admin console changes; null when never set. */
    public ShardMaps shardMaps() {
        return shardMaps;
    }

    public void shardMaps(ShardMaps maps) {
        this.shardMaps = maps;
    }

    /** The shards added at run time (ADD SHARD) this instance serves; null when never set. */
    public ShardList shardList() {
        return shardList;
    }

    public void shardList(ShardList list) {
        this.shardList = list;
    }

    /** The online moves, which the admin console starts and shows; null without a metadata store. */
    public Moves moves() {
        return moves;
    }

    public void moves(Moves moves) {
        this.moves = moves;
    }

    /** The slow-statement threshold every session checks; follows reloads. */
    public SlowStatementLog slowStatements() {
        return slowStatements;
    }

    /** {@code listener} hears of every reload that was applied, after the new snapshot is in place. */
    public void addReloadListener(ReloadListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeReloadListener(ReloadListener listener) {
        listeners.remove(listener);
    }

    public void reloader(Reloader reloader) {
        this.reloader = Objects.requireNonNull(reloader, "reloader");
    }

    /**
     * Re-reads the configuration (RELOAD, SIGHUP): completes with what happened; never on an event
     * loop's thread, and never with an exception: a file with problems is an outcome, not a failure.
     */
    public CompletableFuture<ReloadOutcome> reload() {
        try {
            return reloader.reload();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(ReloadOutcome.failed(e));
        }
    }

    /**
     * Puts {@code next} in force and tells the listeners. Called by the {@link Reloader} once
     * everything in {@code next} is built; a listener's failure is logged and does not undo the swap.
     */
    public void swap(Snapshot next) {
        Snapshot before;
        synchronized (this) {
            before = snapshot;
            snapshot = next;
        }
        slowStatements.threshold(next.config().logging().slowStatement());
        for (ReloadListener listener : listeners) {
            try {
                listener.reloaded(before.config(), next.config());
            } catch (RuntimeException e) {
                log.warn("reload: listener {} failed", listener, e);
            }
        }
    }
}
