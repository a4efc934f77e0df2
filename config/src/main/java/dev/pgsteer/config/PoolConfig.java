package dev.pgsteer.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The backend connection pool of one database: {@code databases.<name>.pool}. One pool is made per
 * (backend database, user), each with these settings.
 */
public record PoolConfig(PoolMode mode, int size, int minIdle, Duration acquireTimeout, Duration idleTimeout,
        Duration maxLifetime) {

    public PoolConfig {
        Objects.requireNonNull(mode, "mode");
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1, not " + size);
        }
        if (minIdle < 0 || minIdle > size) {
            throw new IllegalArgumentException("min_idle must be within 0..size (" + size + "), not " + minIdle);
        }
        requirePositive(acquireTimeout, "acquire_timeout");
        requirePositive(idleTimeout, "idle_timeout");
        requirePositive(maxLifetime, "max_lifetime");
    }

    /** Transaction pooling is the default because it lets many clients share few connections. */
    public static PoolConfig defaults() {
        return new PoolConfig(PoolMode.TRANSACTION, 20, 0, Duration.ofSeconds(5), Duration.ofMinutes(10),
                Duration.ofHours(1));
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, not " + d);
        }
    }
}
