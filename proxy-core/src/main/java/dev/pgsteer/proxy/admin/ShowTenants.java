package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.RolelessTenants;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.proxy.runtime.ProxyContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SHOW TENANTS: the tenant directory as this instance routes by it now. The last column warns of a
 * tenant without a role (it runs as the backend login); it comes last so readers of the columns
 * before it keep working.
 */
final class ShowTenants extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("tenant"), Column.text("database"), Column.text("mode"),
            Column.text("shard"), Column.text("schema"), Column.text("backend_database"), Column.text("role"),
            Column.text("state"), Column.int8("version"), Column.text("warning"));

    ShowTenants() {
        super("SHOW TENANTS", "the tenant directory: each tenant's database, mode, shard, schema or database, role, state, "
                + "and a warning for a tenant without a role", COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        Result.Builder result = new Result.Builder(COLUMNS);
        for (TenantConfig t : context.tenants().directory().tenants().values()) {
            result.row(t.id(), t.database(), t.mode().configName(), t.shard(), t.schema(), t.backend(), t.role(),
                    t.state().configName(), t.version(), t.role() == null ? RolelessTenants.NO_ROLE : null);
        }
        return CompletableFuture.completedFuture(result.build());
    }
}
