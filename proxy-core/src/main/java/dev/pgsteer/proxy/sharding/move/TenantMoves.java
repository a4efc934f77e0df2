package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantState;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.map.MapChangeException;
import dev.pgsteer.proxy.tenant.control.TenantPlacements;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * MOVE TENANT and MOVE KEY as drafts of moves, each refused first, with its reason and fix, when it
 * cannot be exact: what moves (a shared tenant's key in its database's {@code tenancy.directory} group,
 * a schema tenant's schema, a database tenant's database on its shard, a directory key), from where (the store's directories) and to which shard.
 */
final class TenantMoves {

    /** {@code MOVE TENANT tenant TO target}. */
    record Request(String tenant, String target) {
    }

    private TenantMoves() {
    }

    static MoveRecord tenantDraft(Request request, ProxyConfig config, TenantPlacing placing) {
        TenantConfig tenant = placing.tenant(request.tenant()).orElseThrow(() -> new MapChangeException(SqlState.UNDEFINED_OBJECT,
                "tenant " + request.tenant() + " does not exist", "SHOW TENANTS lists them"));
        DatabaseConfig database = config.databases().get(tenant.database());
        if (database == null) {
            throw new MapChangeException(SqlState.UNDEFINED_OBJECT, "tenant " + tenant.id() + " belongs to database " + tenant.database()
                    + ", which is not in the configuration", null);
        }
        String target = request.target();
        if (!database.shards().contains(target)) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "database " + database.name() + " has no shard " + target,
                    "its shards are " + String.join(", ", database.shards()));
        }
        if (tenant.shard().equals(target)) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "tenant " + tenant.id() + " is on " + target + " already",
                    "SHOW TENANTS shows each tenant's shard");
        }
        if (tenant.state() == TenantState.MOVING) {
            throw new MapChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "tenant " + tenant.id() + " is in state moving"
                    + " (set by hand for a move by hand)", "ALTER TENANT " + tenant.id() + " SET ACTIVE first");
        }
        return switch (tenant.mode()) {
            case SHARED -> {
                String group = database.tenancy() == null ? null : database.tenancy().directory();
                if (group == null) {
                    throw new MapChangeException(SqlState.FEATURE_NOT_SUPPORTED, "shared tenant " + tenant.id() + " of database "
                            + database.name() + " cannot move with its rows: the database's tenancy names no directory group"
                            + " (tenancy.directory), so pgsteer does not know which tables and column hold the tenant's rows",
                            "place the shared tables by a directory group on the tenant id (README: Tenants on sharded databases)");
                }
                List<String> tables = groupTables(database, group);
                String key = new TenantPlacements(config, placing.keys()).key(tenant, group);
                yield MoveRecord.draftOf("tenant", database.name(), tables, keyColumns(database, tables), tenant.id(), key, null,
                        tenant.shard(), target);
            }
            case SCHEMA -> MoveRecord.draftOf("tenant", database.name(), List.of("tenant:" + tenant.id()), List.of(), tenant.id(),
                    null, tenant.schema(), tenant.shard(), target);
            case DATABASE -> {
                if (config.backends().containsKey(tenant.backend())) {
                    throw new MapChangeException(SqlState.FEATURE_NOT_SUPPORTED, "tenant " + tenant.id() + " has backend "
                            + tenant.backend() + " of its own, not a database on its shard: changing its shard would not move it",
                            "move it by hand: ALTER TENANT " + tenant.id() + " SET MOVING, copy the database (pg_dump), then change"
                                    + " its backend");
                }
                // No key, no schema: the store keeps its database in keys (DatabaseScope), its tables added at checking.
                yield MoveRecord.draftOf("tenant", database.name(), List.of("tenant:" + tenant.id()), List.of(tenant.backend()),
                        tenant.id(), null, null, tenant.shard(), target);
            }
        };
    }

    static MoveRecord keyDraft(DatabaseConfig database, String group, String written, String target, TenantPlacing placing) {
        List<String> tables = groupTables(database, group);
        if (tables.isEmpty()) {
            throw new MapChangeException(SqlState.UNDEFINED_OBJECT, "database " + database.name() + " has no directory group " + group,
                    "SHOW KEYS lists the groups' keys");
        }
        if (!database.shards().contains(target)) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "database " + database.name() + " has no shard " + target,
                    "its shards are " + String.join(", ", database.shards()));
        }
        TableConfig.Sharded first = (TableConfig.Sharded) database.tables().get(tables.getFirst());
        String key;
        try {
            key = dev.pgsteer.router.shard.KeyValue.ofText(dev.pgsteer.router.shard.ShardChooser.keyTypeOf(first, written), written).text();
        } catch (IllegalArgumentException e) {
            throw new MapChangeException(SqlState.INVALID_TEXT_REPRESENTATION, "key '" + written + "' of directory group " + group + ": "
                    + e.getMessage(), "write a value of the key's type");
        }
        if (database.tenancy() != null && group.equals(database.tenancy().directory())
                && placing.tenant(key).filter(t -> t.database().equals(database.name())).isPresent()) {
            throw new MapChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "key '" + key + "' of directory group " + group
                    + " is tenant " + key + " of database " + database.name(), "MOVE TENANT " + key + " TO " + target
                    + " moves it, its rows and its sessions");
        }
        MoveRecord probe = MoveRecord.draftOf("key", database.name(), tables, keyColumns(database, tables), null, key, null, target,
                target);
        String source = placing.keyShard(probe).orElseThrow(() -> new MapChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                "key '" + key + "' of directory group " + group + " is not assigned to a shard",
                "MOVE KEY moves an assigned key's rows; ASSIGN KEY places a key that has none"));
        if (source.equals(target)) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "key '" + key + "' of directory group " + group + " is on "
                    + target + " already", "SHOW KEY '" + key + "' OF " + group + " says where it is");
        }
        return MoveRecord.draftOf("key", database.name(), tables, keyColumns(database, tables), null, key, null, source, target);
    }

    /** The tables of directory group {@code group}, in the configuration's order. */
    static List<String> groupTables(DatabaseConfig database, String group) {
        List<String> tables = new ArrayList<>();
        for (TableConfig t : database.tables().values()) {
            if (t instanceof TableConfig.Sharded s && s.function() instanceof ShardFunction.Directory d && d.group().equals(group)) {
                tables.add(s.name().toLowerCase(Locale.ROOT));
            }
        }
        return tables;
    }

    private static List<String> keyColumns(DatabaseConfig database, List<String> tables) {
        return tables.stream().map(t -> ((TableConfig.Sharded) database.tables().get(t)).key()).toList();
    }
}
