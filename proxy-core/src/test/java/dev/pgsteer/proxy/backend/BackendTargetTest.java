package dev.pgsteer.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import org.junit.jupiter.api.Test;

/** A pool's target from a backend's config: its server and login, on the database the caller names. */
class BackendTargetTest {
    private final BackendConfig shard = new BackendConfig("shard_1", BackendUrl.parse("postgresql://app:secret@db1.example.com:5433/ignored"));

    @Test
    void theBackendsServerAndLoginOnTheDatabaseGiven() {
        assertEquals(new BackendTarget("shard_1", "db1.example.com", 5433, "app", "secret", "orders_1"),
                BackendTarget.of(shard, "orders_1"));
    }

    @Test
    void aTenantsOwnRoleLogsInToTheSameServerAndDatabase() {
        assertEquals(new BackendTarget("shard_1", "db1.example.com", 5433, "tenant_42", "pw42", "orders_1"),
                BackendTarget.of(shard, "orders_1").loggingInAs("tenant_42", "pw42"));
    }
}
