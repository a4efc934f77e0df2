package dev.pgsteer.proxy.tenant;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantMode;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one SQL file for many tenants, one after the other in the order given, each in its own
 * transaction with its schema first on the search path, as the backend's own login. It stops at the
 * first tenant that fails (whose transaction rolls back) and reports, per tenant, what happened.
 * Shared tenants share their tables: the file runs once for each shared database, not per tenant.
 */
public final class TenantMigrator {
    /** One tenant's outcome: {@code ok}, {@code failed} or {@code skipped}. */
    public record Step(String tenant, String target, String status, String detail) {
    }

    private final ProxyConfig config;

    public TenantMigrator(ProxyConfig config) {
        this.config = config;
    }

    public List<Step> migrate(String sql, List<TenantConfig> tenants) {
        List<Step> steps = new ArrayList<>();
        Map<String, String> sharedDone = new HashMap<>();
        boolean failed = false;
        for (TenantConfig tenant : tenants) {
            TenantPlacement placement = TenantPlacement.of(config, tenant);
            String target = tenant.target();
            if (failed) {
                steps.add(new Step(tenant.id(), target, "skipped", "an earlier tenant failed"));
                continue;
            }
            String sharedKey = placement.server().name() + "/" + placement.database();
            if (tenant.mode() == TenantMode.SHARED && sharedDone.containsKey(sharedKey)) {
                steps.add(new Step(tenant.id(), target, "ok", "shared tables, migrated with " + sharedDone.get(sharedKey)));
                continue;
            }
            try (Connection c = TenantProvisioner.connect(placement.owner(placement.database()));
                 Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                String searchPath = Tenants.searchPath(tenant.mode() == TenantMode.SCHEMA ? tenant.schema() : null,
                        config.databases().get(tenant.database()).tenancy());
                if (tenant.mode() != TenantMode.DATABASE) {
                    s.execute("SET LOCAL search_path TO " + searchPath);
                }
                s.execute(sql);
                c.commit();
                steps.add(new Step(tenant.id(), target, "ok", null));
                if (tenant.mode() == TenantMode.SHARED) {
                    sharedDone.put(sharedKey, tenant.id());
                }
            } catch (SQLException | RuntimeException e) {
                failed = true;
                String state = e instanceof SQLException sqle && sqle.getSQLState() != null ? " (" + sqle.getSQLState() + ")" : "";
                steps.add(new Step(tenant.id(), target, "failed", e.getMessage() + state));
            }
        }
        return steps;
    }
}
