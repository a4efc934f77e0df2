package dev.pgsteer.proxy.tenant.gate;

import dev.pgsteer.config.DatabaseConfig;

/**
 * The tenant a session is for when a statement does not name one: the session's
 * {@code SET pgsteer.tenant}; else the startup option {@code -c pgsteer.tenant=...}; else the tenant
 * the user is pinned to or the database name maps to. A pinned user cannot name another.
 */
final class SessionTenant {
    private final TenantTargets tenants;
    private final DatabaseConfig database;
    /** The tenant of the user (pinned) or of the database name, and of the startup options. */
    private final String pinned;
    private final String atStartup;
    /** What SET pgsteer.tenant chose; null: the startup tenant. */
    private String chosen;

    SessionTenant(TenantTargets tenants, DatabaseConfig database, String pinned, String atStartup) {
        this.tenants = tenants;
        this.database = database;
        this.pinned = pinned;
        this.atStartup = atStartup;
    }

    /** The session's tenant now; null if none. */
    String name() {
        if (chosen != null) {
            return chosen;
        }
        return atStartup != null ? atStartup : pinned;
    }

    /** The session's own target; the anonymous one when it names no tenant or its tenant is gone. */
    TenantTarget target() {
        String tenant = name();
        if (tenant == null) {
            return tenants.anonymous(database);
        }
        return tenants.target(tenant).orElseGet(() -> tenants.anonymous(database));
    }

    /** The tenant the session is for once SET pgsteer.tenant names {@code tenant} (null: RESET). */
    String afterChoosing(String tenant) {
        return tenant != null ? tenant : atStartup != null ? atStartup : pinned;
    }

    void choose(String tenant) {
        chosen = tenant;
    }

    /** The session's user is pinned to a tenant other than {@code named}. */
    boolean pinnedElsewhere(String named) {
        return pinned != null && !pinned.equals(named);
    }

    String pinned() {
        return pinned;
    }

    DatabaseConfig database() {
        return database;
    }

    TenantTargets tenants() {
        return tenants;
    }
}
