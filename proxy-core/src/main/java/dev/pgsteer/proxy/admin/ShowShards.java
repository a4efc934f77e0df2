package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.backend.pool.PoolRegistry;
import dev.pgsteer.proxy.backend.pool.PoolStats;
import dev.pgsteer.proxy.runtime.ProxyContext;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * SHOW SHARDS: each backend of each logical database (a single-backend database has one), where it
 * is, and its pool's connections now. A pool is made on first use: until then its counts are 0.
 */
final class ShowShards extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("database"), Column.text("shard"), Column.text("host"),
            Column.int8("port"), Column.text("backend_database"), Column.text("user"), Column.bool("default_shard"),
            Column.int8("pool_size"), Column.int8("sv_active"), Column.int8("sv_idle"), Column.int8("cl_waiting"));

    ShowShards() {
        super("SHOW SHARDS",
                "each database's backends (shards): host, port, backend database, pool connections",
                COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        return CompletableFuture.completedFuture(of(context.config(), context.pools()));
    }

    static Result of(ProxyConfig config, PoolRegistry pools) {
        Result.Builder result = new Result.Builder(COLUMNS);
        for (DatabaseConfig db : config.databases().values()) {
            for (String shard : db.shards()) {
                BackendConfig backend = config.backends().get(shard);
                if (db.isPassthrough()) {
                    // One pool per database name clients ask for: SHOW POOLS lists them.
                    result.row(db.name(), shard, backend.url().host(), (long) backend.url().port(),
                            "(the name the client asks for)", backend.url().user(), true, (long) db.pool().size(),
                            null, null, null);
                    continue;
                }
                BackendTarget target = target(config, db, shard);
                Optional<PoolStats> stats = pools.find(target).map(BackendPool::stats);
                result.row(db.name(), shard, target.host(), (long) target.port(), target.database(), target.user(),
                        shard.equals(db.defaultShard()), (long) db.pool().size(),
                        stats.map(s -> (long) s.active()).orElse(0L), stats.map(s -> (long) s.idle()).orElse(0L),
                        stats.map(s -> (long) s.waiting()).orElse(0L));
            }
        }
        return result.build();
    }

    /** The pool key the sessions of {@code db} use on {@code shard}, as ClientHandler and ShardedDatabase make it. */
    static BackendTarget target(ProxyConfig config, DatabaseConfig db, String shard) {
        return BackendTarget.of(config.backends().get(shard), config.shardDatabaseName(db, shard));
    }
}
