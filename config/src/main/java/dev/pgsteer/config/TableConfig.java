package dev.pgsteer.config;

import java.util.Objects;

/**
 * One table of a sharded logical database: {@code databases.<db>.tables.<name>}. Tables the file does
 * not list are unsharded: they live on the database's default shard.
 */
public sealed interface TableConfig permits TableConfig.Sharded, TableConfig.Reference {

    String name();

    /**
     * Rows spread over the shards by the value of {@code key}. {@code keyType} is as written in the file,
     * or null when pgsteer is to learn it from the backends' catalogs at start.
     */
    record Sharded(String name, String key, ShardFunction function, KeyType keyType) implements TableConfig {
        public Sharded {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(function, "function");
        }

        /** The same table with its key type known. */
        public Sharded withKeyType(KeyType type) {
            return new Sharded(name, key, function, type);
        }
    }

    /** A full copy on every shard: writes go to all of them, reads to any one. */
    record Reference(String name) implements TableConfig {
        public Reference {
            Objects.requireNonNull(name, "name");
        }
    }
}
