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
 * per shard. {@code rows_estimate}: the bucket's share of its shard's rows by the catalog's estimate
 * ({@link BucketRows}; NULL where there is none), not a count: counting would scan every shard.
 */
final class ShowBuckets extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("database"), Column.text("tables"), Column.text("bucket"),
            Column.int8("modulus"), Column.int8("remainder"), Column.text("shard"), Column.int8("rows_estimate"));

    ShowBuckets() {
        super("SHOW BUCKETS", "each hash-sharded table group's buckets (remainder of modulus), the shard of each and its rows by the catalog's estimate", COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        // The maps in force (the metadata store's), not the file's: each sharded database's own configuration.
        ProxyContext.Snapshot snapshot = context.snapshot();
        Map<String, DatabaseConfig> routed = new LinkedHashMap<>();
        snapshot.sharded().forEach((name, database) -> routed.put(name, database.config()));
        ProxyConfig config = snapshot.config().withDatabases(routed);
        return ControlPlane.run("show-buckets", () -> of(config, (db, map, tables) -> BucketRows.byShard(config, db, map, tables)));
    }

    /** The catalog's row estimates of a group's tables by shard. */
    interface Estimates {
        Map<String, Double> byShard(DatabaseConfig database, BucketMap map, List<String> tables);
    }

    /** Without row estimates. */
    static Result of(ProxyConfig config) {
        return of(config, (db, map, tables) -> Map.of());
    }

    static Result of(ProxyConfig config, Estimates estimates) {
        Result.Builder result = new Result.Builder(COLUMNS);
        for (DatabaseConfig db : config.databases().values()) {
            Map<BucketMap, List<String>> groups = new LinkedHashMap<>();
            for (TableConfig table : db.tables().values()) {
                if (table instanceof TableConfig.Sharded sharded && sharded.function() instanceof ShardFunction.Hash) {
                    groups.computeIfAbsent(db.bucketsOf(sharded), map -> new ArrayList<>()).add(sharded.name());
                }
            }
            groups.forEach((map, tables) -> {
                Map<String, Double> rows = estimates.byShard(db, map, tables);
                for (BucketMap.Bucket bucket : map.placement()) {
                    result.row(db.name(), String.join(", ", tables), bucket.label(), (long) bucket.modulus(),
                            (long) bucket.remainder(), bucket.shard(), BucketRows.estimate(map, bucket, rows));
                }
            });
        }
        return result.build();
    }
}
