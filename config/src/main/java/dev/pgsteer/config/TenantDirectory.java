package dev.pgsteer.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every known tenant at one moment, immutable: sessions read it without locks, and a change makes a
 * new one. {@code version} is the highest tenant version in it (0 for the YAML's own directory).
 */
public record TenantDirectory(Map<String, TenantConfig> tenants, long version) {

    public static final TenantDirectory EMPTY = new TenantDirectory(Map.of(), 0);

    public TenantDirectory {
        tenants = Collections.unmodifiableMap(new LinkedHashMap<>(tenants));
    }

    public static TenantDirectory of(Map<String, TenantConfig> tenants) {
        long version = tenants.values().stream().mapToLong(TenantConfig::version).max().orElse(0);
        return new TenantDirectory(tenants, version);
    }

    public Optional<TenantConfig> get(String id) {
        return Optional.ofNullable(tenants.get(id));
    }

    /** This directory with {@code tenant} added or replaced. */
    public TenantDirectory with(TenantConfig tenant) {
        Map<String, TenantConfig> changed = new LinkedHashMap<>(tenants);
        changed.put(tenant.id(), tenant);
        return new TenantDirectory(changed, Math.max(version, tenant.version()));
    }

    /** This directory without the tenant {@code id}. */
    public TenantDirectory without(String id, long newVersion) {
        Map<String, TenantConfig> changed = new LinkedHashMap<>(tenants);
        changed.remove(id);
        return new TenantDirectory(changed, Math.max(version, newVersion));
    }
}
