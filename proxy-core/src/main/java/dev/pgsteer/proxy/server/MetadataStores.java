package dev.pgsteer.proxy.server;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.store.InMemoryMetadataStore;
import dev.pgsteer.config.store.MetadataStore;
import dev.pgsteer.config.store.PostgresMetadataStore;

/**
 * The metadata store a configuration asks for: its {@code metadata_store:}, else the YAML's tenants
 * in memory. A store that cannot be reached at start stops the start: serving a directory that may
 * lack tenants other instances created would route them nowhere, or to the wrong place.
 */
public final class MetadataStores {
    private MetadataStores() {
    }

    public static MetadataStore open(ProxyConfig config) {
        TenantDirectory boot = TenantDirectory.of(config.tenants());
        if (config.metadataStore() != null) {
            return PostgresMetadataStore.open(config.metadataStore(), boot);
        }
        return new InMemoryMetadataStore(boot);
    }
}
