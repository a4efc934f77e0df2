package dev.pgsteer.proxy.backend;

import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The pools of this proxy, one per backend target, made on first use. */
public final class PoolRegistry {
    private final BackendConnector connector;
    private final ConcurrentHashMap<BackendTarget, BackendPool> pools = new ConcurrentHashMap<>();

    public PoolRegistry(BackendConnector connector) {
        this.connector = connector;
    }

    public BackendConnector connector() {
        return connector;
    }

    public BackendPool poolFor(BackendTarget target, PoolSettings settings) {
        return pools.computeIfAbsent(target, t -> new BackendPool(t, settings, connector));
    }

    /** The pool of {@code target} if one was made; never makes one. */
    public java.util.Optional<BackendPool> find(BackendTarget target) {
        return java.util.Optional.ofNullable(pools.get(target));
    }

    public List<BackendPool> pools() {
        return List.copyOf(pools.values());
    }

    public void maintainAll(EventLoop loop) {
        pools.values().forEach(pool -> pool.maintain(loop));
    }

    public void closeAll() {
        pools.values().forEach(BackendPool::close);
    }
}
