package dev.pgsteer.proxy.server;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.tenant.InMemoryMetadataStore;
import dev.pgsteer.config.tenant.MetadataStore;
import dev.pgsteer.config.tenant.TenantDirectory;

/** The metadata store a configuration asks for: its {@code metadata_store:}, else the YAML's tenants in memory. */
final class MetadataStores {
    private MetadataStores() {
    }

    static MetadataStore open(ProxyConfig config) {
        TenantDirectory boot = TenantDirectory.of(config.tenants());
        return new InMemoryMetadataStore(boot);
    }
}
