package dev.pgsteer.proxy.tenant.control;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.config.store.KeyDirectoryStore;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.ShardChooser;
import java.util.Map;
import java.util.Optional;

/**
 * Tenants on a sharded database: a {@code shared} tenant of a database whose {@code tenancy.directory}
 * names a directory group has its id placed on its shard in that group, so that statements over all
 * tenants (an operator's session, routed by key) find its rows where its own sessions wrote them.
 * CREATE TENANT records the placement, DROP TENANT removes it, and at start the tenants the directory
 * lacks are added. Blocking (the store): off the event loops.
 */
public final class TenantPlacements {

    private final ProxyConfig config;
    private final KeyDirectoryStore keys;

    public TenantPlacements(ProxyConfig config, KeyDirectoryStore keys) {
        this.config = config;
        this.keys = keys;
    }

    /** The directory group whose keys are {@code tenant}'s id, when its database places tenants so. */
    public Optional<String> group(TenantConfig tenant) {
        DatabaseConfig db = config.databases().get(tenant.database());
        if (db == null || db.tenancy() == null || db.tenancy().directory() == null || tenant.mode() != TenantMode.SHARED) {
            return Optional.empty();
        }
        return Optional.of(db.tenancy().directory());
    }

    /** The tenant's id as the group's tables compare their keys (an integer key reads '042' as 42). */
    public String key(TenantConfig tenant, String group) {
        DatabaseConfig db = config.databases().get(tenant.database());
        for (TableConfig table : db.tables().values()) {
            if (table instanceof TableConfig.Sharded s && s.function() instanceof ShardFunction.Directory d
                    && d.group().equals(group)) {
                return KeyValue.ofText(ShardChooser.keyTypeOf(s, tenant.id()), tenant.id()).text();
            }
        }
        return tenant.id();
    }

    /** Places {@code tenant} on its shard in its database's directory; a line for the console, if it did. */
    public Optional<String> record(TenantConfig tenant) {
        return group(tenant).map(group -> {
            keys.assign(tenant.database(), group, Map.of(key(tenant, group), tenant.shard()));
            return "placed key '" + key(tenant, group) + "' of directory group " + group + " on " + tenant.shard();
        });
    }

    /** Removes {@code tenant}'s placement; a line for the console, if there was one. */
    public Optional<String> forget(TenantConfig tenant) {
        return group(tenant).filter(group -> keys.unassign(tenant.database(), group, key(tenant, group)))
                .map(group -> "removed key '" + key(tenant, group) + "' from directory group " + group);
    }

    /** At start: every shared tenant of such a database that the directory lacks is placed on its shard. */
    public int seed(TenantDirectory tenants) {
        int added = 0;
        for (TenantConfig tenant : tenants.tenants().values()) {
            Optional<String> group = group(tenant);
            if (group.isPresent() && keys.lookup(tenant.database(), group.get(), key(tenant, group.get())).isEmpty()) {
                record(tenant);
                added++;
            }
        }
        return added;
    }
}
