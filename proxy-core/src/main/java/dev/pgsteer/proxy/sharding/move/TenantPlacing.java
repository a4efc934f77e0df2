package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.store.KeyDirectoryStore;
import dev.pgsteer.config.store.MetadataStore;
import dev.pgsteer.config.store.MoveRecord;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The tenant directory and the key directory in the metadata store, as tenant and key moves read and
 * change them: always the store's rows, not this instance's copy, which may be a moment behind.
 * Blocking (JDBC): on a mover's thread.
 */
public final class TenantPlacing {
    private final MetadataStore store;
    private final Supplier<ProxyConfig> config;

    public TenantPlacing(MetadataStore store, Supplier<ProxyConfig> config) {
        this.store = store;
        this.config = config;
    }

    Optional<TenantConfig> tenant(String id) {
        return store.load().get(id);
    }

    /** Puts tenant {@code id} on {@code shard}; its new version. */
    long placeTenant(String id, String shard) {
        TenantConfig now = tenant(id).orElseThrow(() -> new MoveRefusedException("tenant " + id + " is no longer in the directory"));
        if (now.shard().equals(shard)) {
            return now.version();
        }
        TenantConfig moved = new TenantConfig(now.id(), now.database(), now.mode(), shard, now.schema(), now.backend(), now.role(),
                now.rolePassword(), now.state(), now.version());
        return store.update(moved).version();
    }

    /** The directory group of the move's tables (those of one group), from the configuration in force. */
    String group(MoveRecord move) {
        DatabaseConfig database = config.get().databases().get(move.database());
        if (database != null && database.tables().get(move.tables().getFirst()) instanceof TableConfig.Sharded s
                && s.function() instanceof ShardFunction.Directory d) {
            return d.group();
        }
        throw new MoveRefusedException("table " + move.tables().getFirst() + " of database " + move.database()
                + " is no longer placed by a directory in the configuration");
    }

    KeyDirectoryStore keys() {
        return store.keys();
    }

    /** Assigns the move's key to {@code shard}; the key directory's version after it. */
    long assignKey(MoveRecord move, String shard) {
        keys().assign(move.database(), group(move), Map.of(move.keyValue(), shard));
        return keys().version();
    }

    Optional<String> keyShard(MoveRecord move) {
        return keys().lookup(move.database(), group(move), move.keyValue());
    }
}
