package dev.pgsteer.config;

import java.util.Objects;

/**
 * {@code metadata_store:} the PostgreSQL database that holds the tenant directory, shared by every
 * proxy instance: {@code url} to reach it, {@code schema} for pgsteer's tables there.
 */
public record MetadataStoreConfig(BackendUrl url, String schema) {

    public static final String DEFAULT_SCHEMA = "pgsteer";

    public MetadataStoreConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(schema, "schema");
    }
}
