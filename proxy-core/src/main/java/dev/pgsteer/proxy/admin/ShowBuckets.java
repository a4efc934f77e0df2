package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.proxy.runtime.ProxyContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * SHOW BUCKETS: where each bucket of each hash-sharded table group lives, a row per bucket. A group
 * is the hash-sharded tables of a database with the same bucket map: their rows with equal keys are
 * on one shard, and a bucket moves with all of them. Tables without {@code buckets:} have one bucket
 * per shard. No row counts: a bucket's rows are not a table PostgreSQL keeps statistics for, and
 * counting them would scan every shard.
 */
final class ShowBuckets extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("database"), Column.text("tables"), Column.text("bucket"),
            Column.int8("modulus"), Column.int8("remainder"), Column.text("shard"));

    ShowBuckets() {
        super("SHOW BUCKETS", "each hash-sharded table group's buckets (remainder of modulus) and the shard of each", COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        // The maps in force (the metadata store's), not the file's: each sharded database's own configuration.
        ProxyContext.Snapshot snapshot = context.snapshot();
        Map<String, DatabaseConfig> routed = new LinkedHashMap<>();
        snapshot.sharded().forEach((name, database) -> routed.put(name, database.config()));
        return CompletableFuture.completedFuture(of(snapshot.config().withDatabases(routed)));
    }

    static Result of(ProxyConfig config) {
        Result.Builder result = new Result.Builder(COLUMNS);
        for (DatabaseConfig db : config.databases().values()) {
            Map<BucketMap, List<String>> groups = new LinkedHashMap<>();
            for (TableConfig table : db.tables().values()) {
                if (table instanceof TableConfig.Sharded sharded && sharded.function() instanceof ShardFunction.Hash) {
                    groups.computeIfAbsent(db.bucketsOf(sharded), map -> new ArrayList<>()).add(sharded.name());
                }
            }
            groups.forEach((map, tables) -> {
                for (BucketMap.Bucket bucket : map.placement()) {
                    result.row(db.name(), String.join(", ", tables), bucket.label(), (long) bucket.modulus(),
                            (long) bucket.remainder(), bucket.shard());
                }
            });
        }
        return result.build();
    }
}
