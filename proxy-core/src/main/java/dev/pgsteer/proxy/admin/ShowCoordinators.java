package dev.pgsteer.proxy.admin;

import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.coordinator.OpenSteps;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * SHOW COORDINATORS: the coordinator steps running now (a SELECT over several shards that PostgreSQL
 * answers on a coordinator over pulled rows), what each is doing, how many rows it has pulled and
 * for how long it has run. Cursors and portals kept on a coordinator after their statement are not
 * steps any more: SHOW POOLS counts their connections.
 */
final class ShowCoordinators extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("database"), Column.int8("client"), Column.text("coordinator"),
            Column.text("phase"), Column.text("tables"), Column.int8("rows_pulled"), Column.int8("age_ms"));

    ShowCoordinators() {
        super("SHOW COORDINATORS",
                "each coordinator step running now: database, client (its SHOW CLIENTS id), coordinator shard, phase,"
                        + " tables pulled, rows pulled so far, age",
                COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        return CompletableFuture.completedFuture(of(context.sharded()));
    }

    static Result of(Map<String, ShardedDatabase> databases) {
        Result.Builder result = new Result.Builder(COLUMNS);
        databases.values().stream().sorted((a, b) -> a.config().name().compareTo(b.config().name())).forEach(db -> {
            for (OpenSteps.View step : db.coordinatorSteps().snapshot()) {
                result.row(db.config().name(), (long) step.client(), step.coordinator(), step.phase(),
                        String.join(", ", step.tables()), step.rowsPulled(), step.age().toMillis());
            }
        });
        return result.build();
    }
}
