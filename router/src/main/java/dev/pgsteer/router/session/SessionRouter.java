package dev.pgsteer.router.session;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.UserConfig;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Decides, once per client session, at login, where the whole session goes ({@link SessionRoute}):
 * from the configuration, the user and the tenant directory. In this order: the admin console; a
 * tenant database, or a database name that is a tenant's id (a tenant database with sharded tables
 * gives an admin user who names no tenant a sharded session over all tenants); a sharded database; a
 * database on one backend, whose sessions are relayed without parsing a single statement; and
 * otherwise a refusal.
 */
public final class SessionRouter {
    private final ProxyConfig config;
    private final Supplier<TenantDirectory> tenants;

    /** {@code tenants}: the directory as it is now (the metadata store changes it while the proxy runs). */
    public SessionRouter(ProxyConfig config, Supplier<TenantDirectory> tenants) {
        this.config = config;
        this.tenants = tenants;
    }

    /**
     * Where the session of {@code user}, who connected to {@code clientDatabase}, goes;
     * {@code startupTenant}: the value of the startup option {@code pgsteer.tenant}, or null.
     */
    public SessionRoute route(String user, String clientDatabase, String startupTenant) {
        UserConfig account = config.users().get(user);
        if (ProxyConfig.ADMIN_DATABASE.equals(clientDatabase)) {
            return account != null && account.admin()
                    ? new SessionRoute.Admin()
                    : SessionRefusals.notAnAdmin(user, ProxyConfig.ADMIN_DATABASE);
        }
        TenantDirectory directory = tenants.get();
        String pinned = account == null ? null : account.tenant();
        DatabaseConfig database = config.databases().get(clientDatabase);
        if (database == null) {
            // A database name that is a tenant's id: that tenant's database, with the session pinned to it.
            Optional<TenantConfig> mapped = directory.get(clientDatabase);
            if (mapped.isPresent()) {
                database = config.databases().get(mapped.get().database());
                if (pinned == null) {
                    pinned = mapped.get().id();
                } else if (!pinned.equals(mapped.get().id())) {
                    return SessionRefusals.otherTenantsDatabase(user, pinned, mapped.get().id());
                }
            }
        }
        if (database != null && database.isTenanted()) {
            if (database.isSharded() && pinned == null && startupTenant == null && account != null && account.admin()) {
                // An operator's session that names no tenant: reports across tenants, routed by key over the shards.
                return new SessionRoute.Sharded(database);
            }
            return tenantSession(user, database, pinned, startupTenant, directory);
        }
        if (pinned != null) {
            return SessionRefusals.pinnedElsewhere(user, pinned, directory.get(pinned).map(TenantConfig::database).orElse(null));
        }
        return config.database(clientDatabase)
                .<SessionRoute>map(served -> relayed(served, clientDatabase))
                .orElseGet(() -> SessionRefusals.unknownDatabase(clientDatabase));
    }

    /** The tenant the session starts with must exist, and be the user's if the user is pinned to one. */
    private static SessionRoute tenantSession(String user, DatabaseConfig database, String pinned, String atStartup,
                                              TenantDirectory directory) {
        if (pinned != null && atStartup != null && !pinned.equals(atStartup)) {
            return SessionRefusals.pinned(user, pinned, atStartup);
        }
        String tenant = atStartup != null ? atStartup : pinned;
        if (tenant != null && directory.get(tenant).isEmpty()) {
            return SessionRefusals.unknownTenant(tenant);
        }
        return new SessionRoute.TenantSession(database, pinned, atStartup);
    }

    private SessionRoute relayed(DatabaseConfig database, String clientDatabase) {
        if (database.isSharded()) {
            return new SessionRoute.Sharded(database);
        }
        return new SessionRoute.SingleBackend(database, database.shards().getFirst(), config.backendDatabaseName(database, clientDatabase));
    }
}
