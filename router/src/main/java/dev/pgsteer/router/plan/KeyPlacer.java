package dev.pgsteer.router.plan;

import dev.pgsteer.config.TableConfig;

/** Which shard (by position in the database's {@code shards}) holds the rows of {@code table} with this key value. */
@FunctionalInterface
public interface KeyPlacer {
    int shardIndex(TableConfig.Sharded table, KeySource value) throws RoutingException;

    /**
     * The position, in the table's bucket map, of the bucket that holds the key (EXPLAIN ROUTE names
     * it); -1 when the table is not placed by buckets, or this placer does not know them.
     */
    default int bucketIndex(TableConfig.Sharded table, KeySource value) throws RoutingException {
        return -1;
    }
}
