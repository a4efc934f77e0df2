package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.proxy.runtime.ProxyContext;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/** SHOW DATABASES: the logical databases clients connect to, as configured. */
final class ShowDatabases extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("name"), Column.text("shards"), Column.text("default_shard"),
            Column.text("backend_database"), Column.text("pool_mode"), Column.int8("pool_size"), Column.int8("min_idle"),
            Column.int8("sharded_tables"), Column.int8("reference_tables"));

    ShowDatabases() {
        super("SHOW DATABASES", "the logical databases: shards, pool mode and size, tables in the shard map", COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        return CompletableFuture.completedFuture(of(context.config()));
    }

    static Result of(ProxyConfig config) {
        Result.Builder result = new Result.Builder(COLUMNS);
        for (DatabaseConfig db : config.databases().values()) {
            long sharded = db.tables().values().stream().filter(t -> t instanceof TableConfig.Sharded).count();
            long reference = db.tables().size() - sharded;
            result.row(db.name(), String.join(", ", db.shards()), db.defaultShard(), backendDatabase(config, db),
                    db.pool().mode().name().toLowerCase(Locale.ROOT), (long) db.pool().size(), (long) db.pool().minIdle(),
                    sharded, reference);
        }
        return result.build();
    }

    /** The name on the backend; SHOW SHARDS has each shard's when they differ. */
    private static String backendDatabase(ProxyConfig config, DatabaseConfig db) {
        if (db.isPassthrough()) {
            return "(the name the client asks for)";
        }
        List<String> names = db.shards().stream().map(s -> config.shardDatabaseName(db, s)).distinct().toList();
        return names.size() == 1 ? names.getFirst() : "(per shard)";
    }
}
