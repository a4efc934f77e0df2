package dev.pgsteer.router.placement;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantMode;

/**
 * Where a tenant's data is and whom its connections log in as: the server (its shard's backend, or
 * for a {@code database} tenant a backend named by {@code backend:}), the database on it, and the
 * login (its role, or the backend's user). The relay's pools and the control plane's JDBC
 * connections (provisioning, migrations) both start from here; proxy-core makes its pool target of
 * it, so that this module needs to know no pool.
 */
public record TenantPlacement(BackendConfig server, String database, String user, String password) {

    public static TenantPlacement of(ProxyConfig config, TenantConfig tenant) {
        DatabaseConfig db = config.databases().get(tenant.database());
        if (db == null || !db.isTenanted()) {
            throw new IllegalStateException("tenant " + tenant.id() + " names database " + tenant.database()
                    + ", which has no tenancy in the running configuration");
        }
        BackendConfig shard = config.backends().get(tenant.shard());
        if (shard == null) {
            throw new IllegalStateException("tenant " + tenant.id() + " names shard " + tenant.shard() + ", which is not a backend");
        }
        BackendConfig server = shard;
        String database;
        if (tenant.mode() == TenantMode.DATABASE) {
            BackendConfig own = config.backends().get(tenant.backend());
            if (own != null) {
                server = own;
                database = own.url().database() != null ? own.url().database() : tenant.id();
            } else {
                database = tenant.backend();
            }
        } else {
            database = db.shards().contains(tenant.shard()) ? config.shardDatabaseName(db, tenant.shard()) : db.name();
        }
        String user = tenant.role() != null ? tenant.role() : server.url().user();
        String password = tenant.role() != null && tenant.rolePassword() != null ? tenant.rolePassword() : server.url().password();
        return new TenantPlacement(server, database, user, password);
    }

    /** The tenant's own login, for JDBC. */
    public BackendUrl login() {
        return new BackendUrl(server.url().host(), server.url().port(), user, password, database);
    }

    /** The backend's own login (which creates schemas, databases and roles), on {@code databaseName}. */
    public BackendUrl owner(String databaseName) {
        return new BackendUrl(server.url().host(), server.url().port(), server.url().user(), server.url().password(), databaseName);
    }

    @Override
    public String toString() {
        return "TenantPlacement[" + server.name() + "/" + database + " as " + user + "]";
    }
}
