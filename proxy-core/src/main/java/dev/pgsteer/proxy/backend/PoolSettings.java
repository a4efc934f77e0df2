package dev.pgsteer.proxy.backend;

import java.time.Duration;

/** The limits of one pool, taken from a database's {@code pool:} entry. */
public record PoolSettings(int maxSize, int minIdle, Duration acquireTimeout, Duration idleTimeout, Duration maxLifetime) {
    public PoolSettings {
        if (maxSize < 1 || minIdle < 0 || minIdle > maxSize) {
            throw new IllegalArgumentException("pool sizes must satisfy 0 <= min_idle <= size and size >= 1");
        }
    }
}
