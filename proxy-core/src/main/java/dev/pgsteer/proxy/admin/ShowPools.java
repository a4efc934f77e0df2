package dev.pgsteer.proxy.admin;

import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.backend.pool.PoolStats;
import dev.pgsteer.proxy.runtime.ProxyContext;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SHOW POOLS: every backend connection pool made so far, one per (backend, backend database, user),
 * with PgBouncer's column names where it has the same count.
 */
final class ShowPools extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("database"), Column.text("user"), Column.text("backend"),
            Column.text("host"), Column.int8("port"), Column.int8("pool_size"), Column.int8("min_idle"),
            Column.int8("cl_waiting"), Column.int8("sv_active"), Column.int8("sv_idle"), Column.int8("sv_total"),
            Column.int8("sv_opened"), Column.int8("timeouts"));

    ShowPools() {
        super("SHOW POOLS",
                "each backend connection pool: size, active, idle, waiting clients, opened, timeouts",
                COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        return CompletableFuture.completedFuture(of(context.pools().pools()));
    }

    static Result of(List<BackendPool> pools) {
        Result.Builder result = new Result.Builder(COLUMNS);
        pools.stream().sorted(Comparator.comparing(p -> p.target().poolName())).forEach(pool -> {
            BackendTarget target = pool.target();
            PoolStats stats = pool.stats();
            result.row(target.database(), target.user(), target.name(), target.host(), (long) target.port(),
                    (long) pool.settings().maxSize(), (long) pool.settings().minIdle(), (long) stats.waiting(),
                    (long) stats.active(), (long) stats.idle(), (long) stats.total(), stats.opened(), stats.acquireTimeouts());
        });
        return result.build();
    }
}
