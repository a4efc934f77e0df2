package dev.pgsteer.proxy.tenant.control;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.router.placement.TenantPlacement;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one SQL file for many tenants, one after the other in the order given, each in its own
 * transaction with its schema first on the search path. It stops at the first tenant that fails
 * (whose transaction rolls back) and reports, per tenant, what happened.
 *
 * <p>Whom it runs as is what keeps a tenant's own objects from running with rights the tenant lacks
 * (a trigger it put on its table fires when the migration writes there):
 * <ul>
 *   <li>a schema or database tenant with a role: a connection <em>logged in</em> as that role. Not
 *   {@code SET ROLE} from the backend login: a function of the tenant could {@code RESET ROLE} and
 *   be the backend login again.</li>
 *   <li>a tenant without a role: the backend login, which is that tenant's own login anyway.</li>
 *   <li>shared tenants: they share their tables, so the file runs once for each shared database, as
 *   the backend login, which owns the shared tables and their policies (the operator's to make).
 *   A shared tenant with a role can make nothing there that would fire: it has no CREATE on any
 *   schema and no TRIGGER on the shared tables.</li>
 * </ul>
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
            try (Connection c = TenantProvisioner.connect(runsAs(tenant, placement));
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

    /** The login the file runs under for {@code tenant} (see the class comment). */
    private static BackendUrl runsAs(TenantConfig tenant, TenantPlacement placement) {
        return tenant.role() != null && tenant.mode() != TenantMode.SHARED ? placement.login()
                : placement.owner(placement.database());
    }
}
