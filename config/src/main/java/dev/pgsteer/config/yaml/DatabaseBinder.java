package dev.pgsteer.config.yaml;

import dev.pgsteer.config.CoordinatorConfig;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.PoolMode;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.TenancyConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * {@code databases:}: each logical database's shard map (read by {@link ShardMapBinder}), backend
 * database name, pool and tenancy (read by {@link TenantBinder}), and the rules between them: the
 * passthrough entry {@code "*"} is one plain backend, and a database with tenancy and tables places its
 * tenants by a directory group of those tables.
 * {@code coordinator:} bounds the coordinator step, which only a sharded database runs.
 */
final class DatabaseBinder {

    static final List<String> DATABASE_KEYS = List.of("shards", "default_shard", "tables", "backend_database", "pool", "tenancy",
            "coordinator");
    static final List<String> POOL_KEYS =
            List.of("mode", "size", "min_idle", "acquire_timeout", "idle_timeout", "max_lifetime");
    static final List<String> COORDINATOR_KEYS = List.of("max_pulled_rows", "temp_buffers");

    private final NodeReader reader;
    private final TenantBinder tenancy;
    /** Where each table entry was written, kept by the {@link ShardMapBinder}. */
    private final Map<String, Integer> lines;

    DatabaseBinder(NodeReader reader, TenantBinder tenancy, Map<String, Integer> lines) {
        this.reader = reader;
        this.tenancy = tenancy;
        this.lines = lines;
    }

    Map<String, DatabaseConfig> databases(Section top, Set<String> backendNames) {
        Map<String, DatabaseConfig> databases = new LinkedHashMap<>();
        ShardMapBinder shardMap = new ShardMapBinder(reader, backendNames, lines);
        reader.required(top, "databases", "databases: { app: { shards: [main] } }").ifPresent(section ->
                section.entries().forEach((name, entry) -> {
                    if (ProxyConfig.ADMIN_DATABASE.equals(name)) {
                        reader.problem(entry.key(), "the database name '" + name + "' is reserved: clients that connect "
                                        + "to it get pgsteer's admin console",
                                "give this database another name (clients connect with that name); a backend database "
                                        + "called " + name + " stays reachable with backend_database: " + name);
                        return;
                    }
                    reader.section(entry.value(), section.pathOf(name), "{ shards: [main] }")
                            .flatMap(db -> database(name, db, shardMap))
                            .ifPresent(db -> databases.put(name, db));
                }));
        return databases;
    }

    private Optional<DatabaseConfig> database(String name, Section section, ShardMapBinder shardMap) {
        // A pool setting one level too high is a likely slip; point at where it belongs.
        reader.allowOnly(section, DATABASE_KEYS, key -> POOL_KEYS.contains(key)
                ? Optional.of("move it under pool:, like pool: { " + key + ": ... }")
                : COORDINATOR_KEYS.contains(key)
                ? Optional.of("move it under coordinator:, like coordinator: { " + key + ": ... }")
                : Optional.empty());
        Optional<List<String>> shards = shardMap.shards(section);
        // The default shard and the tables are checked against the shards, so only once those are usable.
        Optional<String> defaultShard = shards.flatMap(list -> shardMap.defaultShard(section, list));
        Map<String, TableConfig> tables = shards.map(list -> shardMap.tables(section, list)).orElse(Map.of());
        if (DatabaseConfig.PASSTHROUGH.equals(name) && shards.isPresent()
                && (shards.get().size() > 1 || section.has("tables"))) {
            reader.problem(section.value(shards.get().size() > 1 ? "shards" : "tables").orElseThrow(),
                    "the passthrough entry \"*\" cannot be sharded: it relays every other database name to one backend",
                    "give \"*\" exactly one backend and no tables, and list the sharded database under its own name");
            return Optional.empty();
        }
        Optional<String> backendDatabase = reader.text(section, "backend_database");
        if (backendDatabase.isPresent() && DatabaseConfig.PASSTHROUGH.equals(name)) {
            reader.problem(section.value("backend_database").orElseThrow(),
                    "backend_database cannot be set on the passthrough entry \"*\": it always uses the name "
                            + "the client asked for", "remove it, or list that database under its own name");
        }
        PoolConfig pool = section.value("pool")
                .flatMap(node -> reader.section(node, section.pathOf("pool"), "pool: { mode: transaction, size: 20 }"))
                .map(this::pool)
                .orElse(PoolConfig.defaults());
        TenancyConfig tenants = tenancy.tenancy(section);
        if (tenants != null && section.has("tables") && !tenantTables(name, section, tenants, tables)) {
            return Optional.empty();
        }
        if (tenants != null && DatabaseConfig.PASSTHROUGH.equals(name)) {
            reader.problem(section.value("tenancy").orElseThrow(), "the passthrough entry \"*\" cannot have tenancy",
                    "list the tenant database under its own name");
            return Optional.empty();
        }
        CoordinatorConfig coordinator = section.value("coordinator")
                .flatMap(node -> reader.section(node, section.pathOf("coordinator"), "coordinator: { max_pulled_rows: 1000000 }"))
                .map(this::coordinator)
                .orElse(CoordinatorConfig.defaults());
        if (section.has("coordinator") && (tenants != null && tables.isEmpty() || DatabaseConfig.PASSTHROUGH.equals(name))) {
            reader.problem(section.value("coordinator").orElseThrow(), section.pathOf("coordinator") + " does not apply: "
                            + (tenants != null ? "a tenant database" : "the passthrough entry \"*\"")
                            + " relays statements to one backend, it never pulls rows from several shards",
                    "remove coordinator:, or move it to a sharded database");
            return Optional.empty();
        }
        return shards.flatMap(list -> defaultShard.map(first ->
                new DatabaseConfig(name, list, first, tables, backendDatabase.orElse(null), pool, tenants, coordinator)));
    }

    /**
     * A tenant database with tables: its tenants' ids are the keys of the directory group
     * {@code tenancy.directory} names, which must be a group of its {@code function: directory} tables.
     */
    private boolean tenantTables(String name, Section section, TenancyConfig tenants, Map<String, TableConfig> tables) {
        List<String> groups = tables.values().stream()
                .filter(t -> t instanceof TableConfig.Sharded s && s.function() instanceof ShardFunction.Directory)
                .map(t -> ((ShardFunction.Directory) ((TableConfig.Sharded) t).function()).group()).distinct().toList();
        if (tenants.directory() == null) {
            reader.problem(section.value("tables").orElseThrow(), "database '" + name + "' has both tenancy and tables, "
                            + "but its tenancy names no directory: pgsteer places each tenant by its id in a directory group",
                    groups.isEmpty() ? "shard the tenants' tables with function: directory (key: tenant_id, group: tenants) "
                            + "and write tenancy: { directory: tenants }"
                            : "write tenancy: { directory: " + groups.getFirst() + " }, naming the group whose keys are tenant ids");
            return false;
        }
        if (!groups.contains(tenants.directory())) {
            Node at = section.value("tenancy").orElseThrow();
            reader.problem(at, section.pathOf("tenancy") + ".directory names group '" + tenants.directory()
                            + "', which no table of database '" + name + "' has",
                    groups.isEmpty() ? "give the tenants' tables function: directory and group: " + tenants.directory()
                            : "use one of the groups " + String.join(", ", groups) + ", or give the tenants' tables group: "
                            + tenants.directory());
            return false;
        }
        boolean placedByTenant = true;
        for (TableConfig table : tables.values()) {
            if (table instanceof TableConfig.Sharded sharded && !DatabaseConfig.placedByTenant(sharded, tenants)) {
                // A tenant's session is relayed unparsed to its tenant's shard: it would read that shard's part only.
                String path = section.pathOf("tables") + "." + table.name();
                Node tablesNode = section.value("tables").orElseThrow();
                reader.problem(lines.getOrDefault(path, NodeReader.line(tablesNode)), path + " is sharded by "
                                + sharded.key() + ", not by the tenant id in directory group " + tenants.directory()
                                + ", but database '" + name + "' has tenancy: a tenant's session goes to its tenant's shard "
                                + "unparsed, so it would see only that shard's rows of " + table.name(),
                        "move " + table.name() + " to a database without tenancy (another entry of databases: on the same "
                                + "shards, with its own backend_database), or shard it by the tenant id with function: "
                                + "directory, group: " + tenants.directory());
                placedByTenant = false;
            } else if (table instanceof TableConfig.Reference) {
                // A tenant's write would reach its tenant's shard only: the copies would differ.
                String path = section.pathOf("tables") + "." + table.name();
                Node tablesNode = section.value("tables").orElseThrow();
                reader.problem(lines.getOrDefault(path, NodeReader.line(tablesNode)), path + " is a reference table, but"
                                + " database '" + name + "' has tenancy: a tenant's session goes to its tenant's shard unparsed,"
                                + " so its writes to " + table.name() + " would change that shard's copy only",
                        "move " + table.name() + " to a database without tenancy (another entry of databases: on the same "
                                + "shards, with its own backend_database), or leave it out of tables: (then it lives on each "
                                + "shard as that shard's own table)");
                placedByTenant = false;
            }
        }
        return placedByTenant;
    }

    private CoordinatorConfig coordinator(Section section) {
        reader.allowOnly(section, COORDINATOR_KEYS);
        return new CoordinatorConfig(reader.integer(section, "max_pulled_rows", 0)
                .map(Integer::longValue)
                .orElse(CoordinatorConfig.DEFAULT_MAX_PULLED_ROWS),
                reader.parsed(section, "temp_buffers", CoordinatorConfig::megabytes, "a size such as 64MB, or 0 to leave the "
                        + "server's temp_buffers").orElse(CoordinatorConfig.DEFAULT_TEMP_BUFFERS_MB));
    }

    private PoolConfig pool(Section section) {
        reader.allowOnly(section, POOL_KEYS);
        PoolConfig d = PoolConfig.defaults();
        PoolMode mode = reader.parsed(section, "mode", PoolMode::parse, "use one of " + PoolMode.validNames())
                .orElse(d.mode());
        int size = reader.integer(section, "size", 1).orElse(d.size());
        int minIdle = reader.integer(section, "min_idle", 0).orElse(d.minIdle());
        if (minIdle > size) {
            reader.problem(section.value("min_idle").orElseThrow(), section.pathOf("min_idle") + " (" + minIdle
                    + ") is larger than size (" + size + ")", "make min_idle at most size");
            minIdle = size;
        }
        return new PoolConfig(mode, size, minIdle,
                reader.duration(section, "acquire_timeout").orElse(d.acquireTimeout()),
                reader.duration(section, "idle_timeout").orElse(d.idleTimeout()),
                reader.duration(section, "max_lifetime").orElse(d.maxLifetime()));
    }
}
