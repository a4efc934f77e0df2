package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantState;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.client.SessionGate;
import dev.pgsteer.router.tenant.TenantGuard;
import java.util.Map;

/**
 * Where one tenant's statements go and what its connection must carry: the pool (shard, database
 * and login role), the settings pgsteer puts on each leased connection ({@code search_path} for a
 * schema tenant, the tenancy setting for a shared one), and the guard for its statements.
 * {@code tenant} is null for the target of a session that has named no tenant yet. Compared by
 * identity: a directory change makes new targets, and a session holding a connection for an old one
 * finishes with it before it uses the new one.
 */
public record TenantTarget(TenantConfig tenant, String database, BackendPool pool, Map<String, String> settings, TenantGuard guard)
        implements SessionGate.Target {

    String id() {
        return tenant == null ? null : tenant.id();
    }

    boolean moving() {
        return tenant != null && tenant.state() == TenantState.MOVING;
    }

    /** How the target is named in messages. */
    String label() {
        return id() == null ? TenantErrors.NO_TENANT_LABEL : id();
    }

    /** Both are targets of one tenant: one was made before a directory change, the other after. */
    boolean sameTenantAs(TenantTarget other) {
        return id() != null && id().equals(other.id());
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return "TenantTarget[" + (tenant == null ? "no tenant" : tenant.id()) + " -> " + pool.target().poolName() + "]";
    }
}
