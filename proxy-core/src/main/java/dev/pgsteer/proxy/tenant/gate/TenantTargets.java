package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.config.DatabaseConfig;
import java.util.Optional;

/**
 * Where the gate finds a tenant's target. The tenant directory behind it is the control plane's
 * ({@code tenant.control.Tenants} implements this): the gate asks, per statement, and knows nothing
 * of how the directory is stored, followed or changed.
 */
public interface TenantTargets {

    /** The target of tenant {@code id}, or empty when the directory has no such tenant. */
    Optional<TenantTarget> target(String id);

    /** Where a session of {@code database} that has named no tenant runs what it may run without one. */
    TenantTarget anonymous(DatabaseConfig database);
}
