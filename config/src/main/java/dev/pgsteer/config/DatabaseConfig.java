package dev.pgsteer.config;

import java.util.List;
import java.util.Objects;

/**
 * A database name clients connect to: {@code databases.<name>}. {@code backendDatabase} is as written
 * in the file (null when absent); {@link ProxyConfig#backendDatabaseName} applies the defaults.
 */
public record DatabaseConfig(String name, List<String> shards, String backendDatabase, PoolConfig pool) {

    /** The entry that catches every database name not listed, like PgBouncer's {@code *}. */
    public static final String PASSTHROUGH = "*";

    public DatabaseConfig {
        Objects.requireNonNull(name, "name");
        shards = List.copyOf(shards);
        Objects.requireNonNull(pool, "pool");
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("database " + name + " has no shards");
        }
    }

    public boolean isPassthrough() {
        return PASSTHROUGH.equals(name);
    }
}
