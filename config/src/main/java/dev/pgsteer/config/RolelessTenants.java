package dev.pgsteer.config;

import java.util.List;

/**
 * The loud warning for tenants of the file that have no {@code role:}. Such a tenant's connections
 * log in as the backend's own user, which owns the other tenants' schemas and shared tables and may
 * create roles and databases: only pgsteer's lexical guard stands between it and other tenants'
 * data, and SQL assembled at run time gets past a lexical guard. A file without roles still loads
 * (it did before tenants had roles by default); it is told so at start, by {@code --check-config}
 * and in {@code SHOW TENANTS}.
 */
public final class RolelessTenants {
    /** What {@code SHOW TENANTS} says of such a tenant. */
    public static final String NO_ROLE = "no role: runs as the backend login; trusted tenants only";

    private RolelessTenants() {
    }

    /** One warning per tenant of the file without a role, each naming its file, line and fix. */
    public static List<ConfigProblem> warnings(ProxyConfig config) {
        return config.tenants().values().stream()
                .filter(tenant -> tenant.role() == null)
                .map(tenant -> warning(config, tenant))
                .toList();
    }

    private static ConfigProblem warning(ProxyConfig config, TenantConfig tenant) {
        BackendConfig server = config.backends().get(tenant.shard());
        String login = server == null || server.url().user() == null ? "the backend's user" : server.url().user();
        return new ConfigProblem(config.source(), config.sourceLines().lineOf(SourceLines.tenantPath(tenant.id())),
                "WARNING: tenant '" + tenant.id() + "' has no role: its connections log in as " + login
                        + ", the backend's own login, so PostgreSQL does not keep it from other tenants' data "
                        + "(only pgsteer's lexical guard does); trusted tenants only",
                "add role: " + tenant.id() + " and role_password: to tenants." + tenant.id()
                        + " (a LOGIN role that is neither superuser nor BYPASSRLS, granted only this tenant's "
                        + "objects; CREATE TENANT in the admin console makes one)");
    }
}
