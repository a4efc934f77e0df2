package dev.pgsteer.router.plan;

import dev.pgsteer.config.TableConfig;

/** Which shard (by position in the database's {@code shards}) holds the rows of {@code table} with this key value. */
@FunctionalInterface
public interface KeyPlacer {
    int shardIndex(TableConfig.Sharded table, KeySource value) throws RoutingException;
}
