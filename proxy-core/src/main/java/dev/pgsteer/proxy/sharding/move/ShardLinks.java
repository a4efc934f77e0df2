package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.store.BackendJdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Plain JDBC connections of a move to its shards (auto-commit, outside the pools: a move's statements
 * are long, and CREATE SUBSCRIPTION runs outside a transaction block), and the connection string the
 * target's subscription uses to reach the source.
 */
record ShardLinks(ProxyConfig proxy, DatabaseConfig database) {

    /** Long enough for a batch of deletes or a checksum of a large bucket. */
    static final Duration TIMEOUT = Duration.ofMinutes(10);

    Connection open(String shard) throws SQLException {
        return open(shard, proxy.shardDatabaseName(database, shard));
    }

    /** A connection to {@code databaseName} on {@code shard}'s server, as its login (a database tenant's own database). */
    Connection open(String shard, String databaseName) throws SQLException {
        BackendConfig backend = proxy.backends().get(shard);
        if (backend == null) {
            throw new SQLException("shard " + shard + " is not a backend of this pgsteer");
        }
        Connection c = BackendJdbc.connect(backend, databaseName, TIMEOUT, "pgsteer move");
        c.setAutoCommit(true);
        return c;
    }

    /** libpq's conninfo for the source, as the target's subscription connects (its login, its database). */
    String conninfo(String shard) {
        return conninfo(shard, proxy.shardDatabaseName(database, shard));
    }

    /** libpq's conninfo for {@code databaseName} on the source's server (a database tenant's own database). */
    String conninfo(String shard, String databaseName) {
        BackendUrl url = proxy.backends().get(shard).url();
        StringBuilder info = new StringBuilder("host=").append(quote(url.host())).append(" port=").append(url.port())
                .append(" dbname=").append(quote(databaseName));
        if (url.user() != null) {
            info.append(" user=").append(quote(url.user()));
        }
        if (url.password() != null) {
            info.append(" password=").append(quote(url.password()));
        }
        if (url.sslMode() != null) {
            info.append(" sslmode=").append(url.sslMode().configName());
        }
        return info.toString();
    }

    private static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
