package dev.pgsteer.proxy.backend.pool;

import dev.pgsteer.proxy.backend.BackendTarget;

/**
 * The tags a pool's meters carry: {@code backend}, {@code backend_database} and {@code tenant_mode}.
 * Tenants' pools are tagged by their logical database and mode, never by tenant: with ten thousand
 * tenants, each with a database of its own, their pools share a few series.
 */
public record PoolLabel(String backend, String database, String tenantMode) {
    public static final String NO_TENANT = "none";

    static PoolLabel of(BackendTarget target) {
        return new PoolLabel(target.name(), target.database(), NO_TENANT);
    }
}
