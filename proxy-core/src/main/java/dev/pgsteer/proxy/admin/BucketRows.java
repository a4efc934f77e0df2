package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.store.BackendJdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SHOW BUCKETS' row estimates: PostgreSQL keeps no statistics per hash bucket, but hashing spreads
 * keys evenly over the hash space, so a bucket holds about its share of its shard's rows: the
 * catalog's estimate of the group's tables on that shard ({@code reltuples}, kept by ANALYZE and
 * autovacuum), times the bucket's part of the hash space that shard holds. One catalog query per
 * shard, no scan. A heavy key (many rows of one value) is not seen; a table never analyzed, or a
 * shard that does not answer, gives no estimate. Control plane: plain JDBC, off the event loops.
 */
final class BucketRows {
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private BucketRows() {
    }

    /** The catalog's row estimate of {@code tables} on each shard of {@code map}; a shard without one is left out. */
    static Map<String, Double> byShard(ProxyConfig proxy, DatabaseConfig database, BucketMap map, List<String> tables) {
        Map<String, Double> rows = new HashMap<>();
        for (String shard : map.placement().stream().map(BucketMap.Bucket::shard).distinct().toList()) {
            BackendConfig backend = proxy.backends().get(shard);
            if (backend == null) {
                continue;
            }
            try (Connection c = BackendJdbc.connect(backend, proxy.shardDatabaseName(database, shard), TIMEOUT, "pgsteer show buckets");
                 PreparedStatement st = c.prepareStatement("SELECT sum(greatest(c.reltuples, 0)), bool_and(c.reltuples >= 0)"
                         + " FROM unnest(?::text[]) AS t(name) JOIN pg_catalog.pg_class c"
                         + " ON c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(t.name))")) {
                st.setArray(1, c.createArrayOf("text", tables.toArray()));
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next() && rs.getBoolean(2)) {
                        rows.put(shard, rs.getDouble(1));
                    }
                }
            } catch (SQLException e) {
                // No estimate for that shard: SHOW BUCKETS still shows where the buckets are.
            }
        }
        return rows;
    }

    /** A bucket's estimate: its shard's rows times the bucket's part of the hash space that shard holds; null when unknown. */
    static Long estimate(BucketMap map, BucketMap.Bucket bucket, Map<String, Double> byShard) {
        Double rows = byShard.get(bucket.shard());
        if (rows == null) {
            return null;
        }
        double held = 0;
        for (BucketMap.Bucket b : map.placement()) {
            if (b.shard().equals(bucket.shard())) {
                held += 1.0 / b.modulus();
            }
        }
        return Math.round(rows * (1.0 / bucket.modulus()) / held);
    }
}
