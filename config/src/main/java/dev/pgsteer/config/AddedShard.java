package dev.pgsteer.config;

import java.util.Objects;

/**
 * A shard added at run time ({@code ADD SHARD name URL TO database}), as the metadata store keeps it:
 * {@code url} is the URL given, and may lack the login, which each instance then takes from its file's
 * backend of the database's default shard ({@link AddedShards#applyTo}).
 */
public record AddedShard(String database, String name, BackendUrl url) {
    public AddedShard {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
    }
}
