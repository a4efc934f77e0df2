package dev.pgsteer.config.store;

import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The directory when no metadata store is configured: the YAML's tenants, plus those created
 * through the admin console, which last until the process ends.
 */
public final class InMemoryMetadataStore implements MetadataStore {
    private final CopyOnWriteArrayList<Consumer<TenantDirectory>> followers = new CopyOnWriteArrayList<>();
    private TenantDirectory directory;
    private final InMemoryKeyDirectory keys = new InMemoryKeyDirectory();

    public InMemoryMetadataStore(TenantDirectory boot) {
        this.directory = boot;
    }

    @Override
    public synchronized TenantDirectory load() {
        return directory;
    }

    @Override
    public TenantConfig create(TenantConfig tenant) {
        TenantConfig created;
        synchronized (this) {
            if (directory.tenants().containsKey(tenant.id())) {
                throw new TenantExistsException(tenant.id());
            }
            created = tenant.withVersion(directory.version() + 1);
            directory = directory.with(created);
        }
        announce();
        return created;
    }

    @Override
    public TenantConfig update(TenantConfig tenant) {
        TenantConfig updated;
        synchronized (this) {
            if (!directory.tenants().containsKey(tenant.id())) {
                throw new IllegalArgumentException("no tenant " + tenant.id());
            }
            updated = tenant.withVersion(directory.version() + 1);
            directory = directory.with(updated);
        }
        announce();
        return updated;
    }

    @Override
    public boolean delete(String id) {
        synchronized (this) {
            if (!directory.tenants().containsKey(id)) {
                return false;
            }
            directory = directory.without(id, directory.version() + 1);
        }
        announce();
        return true;
    }

    private void announce() {
        TenantDirectory now = load();
        followers.forEach(f -> f.accept(now));
    }

    @Override
    public void follow(Consumer<TenantDirectory> onChange) {
        followers.add(onChange);
    }

    @Override
    public boolean reachable() {
        return true;
    }

    @Override
    public Optional<Duration> lag() {
        return Optional.of(Duration.ZERO);
    }

    @Override
    public String describe() {
        return "yaml (in memory: tenants created at run time last until pgsteer stops)";
    }

    @Override
    public KeyDirectoryStore keys() {
        return keys;
    }

    @Override
    public boolean durable() {
        return false;
    }

    @Override
    public void close() {
        followers.clear();
    }
}
