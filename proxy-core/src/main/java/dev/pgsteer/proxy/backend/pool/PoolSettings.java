package dev.pgsteer.proxy.backend.pool;

import dev.pgsteer.config.PoolConfig;
import java.time.Duration;

/** The limits of one pool, taken from a database's {@code pool:} entry. */
public record PoolSettings(int maxSize, int minIdle, Duration acquireTimeout, Duration idleTimeout, Duration maxLifetime) {
    public PoolSettings {
        if (maxSize < 1 || minIdle < 0 || minIdle > maxSize) {
            throw new IllegalArgumentException("pool sizes must satisfy 0 <= min_idle <= size and size >= 1");
        }
    }

    public static PoolSettings of(PoolConfig pool) {
        return new PoolSettings(pool.size(), pool.minIdle(), pool.acquireTimeout(), pool.idleTimeout(), pool.maxLifetime());
    }

    /** The same limits with min_idle 0: for a pool the configuration no longer reaches, so its idle connections close. */
    public PoolSettings withoutMinIdle() {
        return new PoolSettings(maxSize, 0, acquireTimeout, idleTimeout, maxLifetime);
    }
}
