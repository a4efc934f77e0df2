package dev.pgsteer.proxy.admin;

import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.sharding.map.ShardMaps;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * SHOW SHARD MAP VERSION: the version of the bucket maps this instance routes by, and where they come
 * from. Instances on one metadata store show the same version once each has followed the last change.
 */
final class ShowShardMapVersion extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.int8("version"), Column.text("store"), Column.bool("shared"));

    ShowShardMapVersion() {
        super("SHOW SHARD MAP VERSION", "the version of the bucket maps this instance routes by, and their store", COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        ShardMaps maps = context.shardMaps();
        Result.Builder result = new Result.Builder(COLUMNS);
        if (maps == null) {
            result.row(0L, "yaml", false);
        } else {
            result.row(maps.current().version(), maps.store().describe(), maps.store().durable());
        }
        return CompletableFuture.completedFuture(result.build());
    }
}
