package dev.pgsteer.proxy.backend.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.PoolMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A pool's limits are its database's pool: entry; a pool no database reaches any more keeps them without min_idle. */
class PoolSettingsTest {
    private final PoolConfig config = new PoolConfig(PoolMode.TRANSACTION, 20, 4, Duration.ofSeconds(5),
            Duration.ofMinutes(10), Duration.ofHours(1));

    @Test
    void theDatabasesPoolEntry() {
        assertEquals(new PoolSettings(20, 4, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofHours(1)),
                PoolSettings.of(config));
    }

    @Test
    void withoutMinIdleKeepsEveryOtherLimit() {
        assertEquals(new PoolSettings(20, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofHours(1)),
                PoolSettings.of(config).withoutMinIdle());
    }
}
