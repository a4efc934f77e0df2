package dev.pgsteer.proxy.backend.pool;

import dev.pgsteer.proxy.backend.BackendConnector;
import dev.pgsteer.proxy.backend.BackendTarget;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/** The pools of this proxy, one per backend target, made on first use. */
public final class PoolRegistry {
    private final BackendConnector connector;
    private final ConcurrentHashMap<BackendTarget, BackendPool> pools = new ConcurrentHashMap<>();
    private final List<Consumer<BackendPool>> newPoolListeners = new CopyOnWriteArrayList<>();
    private volatile boolean paused;
    private final ConnectionBudget budget;

    public PoolRegistry(BackendConnector connector) {
        this(connector, Integer.MAX_VALUE);
    }

    /** With at most {@code maxConnections} backend connections across all pools. */
    public PoolRegistry(BackendConnector connector, int maxConnections) {
        this.connector = connector;
        this.budget = new ConnectionBudget(maxConnections, this::pools);
    }

    public ConnectionBudget budget() {
        return budget;
    }

    public BackendConnector connector() {
        return connector;
    }

    /** A tenant's pool: its meters are tagged by {@code label}, shared with the other pools of that label. */
    public BackendPool poolFor(BackendTarget target, PoolSettings settings, PoolLabel label) {
        BackendPool existing = pools.get(target);
        if (existing != null) {
            return existing;
        }
        boolean[] made = new boolean[1];
        BackendPool pool = pools.computeIfAbsent(target, t -> {
            made[0] = true;
            BackendPool fresh = new BackendPool(t, settings, connector, budget);
            fresh.label(label);
            if (paused) {
                fresh.pause();
            }
            return fresh;
        });
        if (made[0]) {
            newPoolListeners.forEach(listener -> listener.accept(pool));
        }
        return pool;
    }

    public BackendPool poolFor(BackendTarget target, PoolSettings settings) {
        return poolFor(target, settings, PoolLabel.of(target));
    }

    /** {@code listener} hears of each pool made from now on (metrics register its gauges). */
    public void onNewPool(Consumer<BackendPool> listener) {
        newPoolListeners.add(listener);
    }

    /** The pool of {@code target} if one was made; never makes one. */
    public Optional<BackendPool> find(BackendTarget target) {
        return Optional.ofNullable(pools.get(target));
    }

    public List<BackendPool> pools() {
        return List.copyOf(pools.values());
    }

    /**
     * A reload: each pool takes the settings {@code settingsOf} gives its target; a pool whose target
     * the new configuration no longer reaches (a database or backend removed, a URL changed) keeps
     * serving the sessions that hold it, with min_idle 0, so its idle connections close after
     * idle_timeout.
     */
    public void reconfigure(Function<BackendTarget, Optional<PoolSettings>> settingsOf) {
        pools.forEach((target, pool) -> {
            PoolSettings old = pool.settings();
            pool.reconfigure(settingsOf.apply(target).orElseGet(old::withoutMinIdle));
        });
    }

    public void maintainAll(EventLoop loop) {
        pools.values().forEach(pool -> pool.maintain(loop));
    }

    /** PAUSE of the admin console: every pool, and those made meanwhile, holds new leases until {@link #resumeAll}. */
    public void pauseAll() {
        paused = true;
        pools.values().forEach(BackendPool::pause);
    }

    public void resumeAll() {
        paused = false;
        pools.values().forEach(BackendPool::resume);
    }

    public void closeAll() {
        pools.values().forEach(BackendPool::close);
    }
}
