package dev.pgsteer.config;

import java.time.Duration;
import java.util.Objects;

/**
 * {@code metadata_store:} the PostgreSQL database that holds the tenant directory and the two-phase
 * commit decisions, shared by every proxy instance: {@code url} to reach it, {@code schema} for
 * pgsteer's tables there, {@code nodeTimeout} how long an instance may go without renewing its lease
 * before another one finishes its two-phase commits.
 */
public record MetadataStoreConfig(BackendUrl url, String schema, Duration nodeTimeout) {

    public static final String DEFAULT_SCHEMA = "pgsteer";
    public static final Duration DEFAULT_NODE_TIMEOUT = Duration.ofSeconds(15);

    public MetadataStoreConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(nodeTimeout, "nodeTimeout");
        if (nodeTimeout.toMillis() < 300) {
            throw new IllegalArgumentException("node_timeout must be at least 300ms");
        }
    }

    public MetadataStoreConfig(BackendUrl url, String schema) {
        this(url, schema, DEFAULT_NODE_TIMEOUT);
    }
}
