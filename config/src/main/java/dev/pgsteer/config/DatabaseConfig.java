package dev.pgsteer.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A database name clients connect to: {@code databases.<name>}. {@code backendDatabase} is as written
 * in the file (null when absent); {@link ProxyConfig#backendDatabaseName} applies the defaults.
 *
 * <p>With one shard and no tables it is a single-backend database, relayed unparsed. With several
 * shards, or tables listed, it is a sharded logical database: each statement is routed by the shard
 * map ({@code tables}), and tables not listed live on {@code defaultShard}. With {@code tenancy}
 * (null when absent) it serves tenants: each session's tenant chooses the shard, schema or database,
 * and statements are relayed unparsed there. {@code coordinator} bounds the coordinator step of a
 * sharded database ({@link CoordinatorConfig#defaults()} when absent).
 */
public record DatabaseConfig(String name, List<String> shards, String defaultShard, Map<String, TableConfig> tables,
        String backendDatabase, PoolConfig pool, TenancyConfig tenancy, CoordinatorConfig coordinator) {

    /** The entry that catches every database name not listed, like PgBouncer's {@code *}. */
    public static final String PASSTHROUGH = "*";

    public DatabaseConfig {
        Objects.requireNonNull(name, "name");
        shards = List.copyOf(shards);
        Objects.requireNonNull(pool, "pool");
        coordinator = coordinator == null ? CoordinatorConfig.defaults() : coordinator;
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("database " + name + " has no shards");
        }
        if (defaultShard == null) {
            defaultShard = shards.getFirst();
        }
        if (!shards.contains(defaultShard)) {
            throw new IllegalArgumentException("database " + name + ": default shard " + defaultShard + " is not one of its shards");
        }
        tables = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tables, "tables")));
        if (PASSTHROUGH.equals(name) && (shards.size() > 1 || !tables.isEmpty())) {
            throw new IllegalArgumentException("the passthrough database \"*\" cannot be sharded");
        }
        if (tenancy != null && PASSTHROUGH.equals(name)) {
            throw new IllegalArgumentException("database " + name + ": the passthrough entry cannot have tenancy");
        }
        if (tenancy != null && !tables.isEmpty() && (tenancy.directory() == null || tables.values().stream().noneMatch(
                t -> t instanceof TableConfig.Sharded s && s.function() instanceof ShardFunction.Directory d
                        && d.group().equals(tenancy.directory())))) {
            // Tenants and sharded tables meet in one directory: the tenant ids are its keys.
            throw new IllegalArgumentException("database " + name + ": a database with tenancy and tables needs "
                    + "tenancy.directory naming the directory group of its tables whose keys are tenant ids");
        }
        if (tenancy != null) {
            for (TableConfig table : tables.values()) {
                if (table instanceof TableConfig.Sharded sharded && !placedByTenant(sharded, tenancy)) {
                    // A tenant's session is relayed unparsed to its tenant's shard: it would read that shard's part only.
                    throw new IllegalArgumentException("database " + name + ": table " + table.name() + " is sharded by "
                            + sharded.key() + ", not by the tenant id in directory group " + tenancy.directory()
                            + "; a database with tenancy shards only its tenants' tables");
                }
                if (table instanceof TableConfig.Reference) {
                    // A tenant's write would reach its tenant's shard only: the copies would differ.
                    throw new IllegalArgumentException("database " + name + ": reference table " + table.name()
                            + " in a database with tenancy: a tenant's session goes to its tenant's shard unparsed, so its"
                            + " writes would change one copy only");
                }
            }
        }
        // A configuration built in code gets the same guarantee as one loaded from YAML.
        for (TableConfig table : tables.values()) {
            if (table instanceof TableConfig.Sharded sharded) {
                for (String shard : named(sharded.function())) {
                    if (!shards.contains(shard)) {
                        throw new IllegalArgumentException("database " + name + ": table " + table.name()
                                + " names shard " + shard + ", which is not one of its shards");
                    }
                }
            }
        }
    }

    /**
     * Whether {@code table} of a tenant database is placed by its tenants: sharded by directory in the
     * group {@code tenancy.directory} names, whose keys are tenant ids. Any other sharded table would
     * be read wrong by a tenant's session, which goes to one shard, its tenant's, unparsed.
     */
    public static boolean placedByTenant(TableConfig.Sharded table, TenancyConfig tenancy) {
        return table.function() instanceof ShardFunction.Directory d && d.group().equals(tenancy.directory());
    }

    /** With the coordinator step's defaults. */
    public DatabaseConfig(String name, List<String> shards, String defaultShard, Map<String, TableConfig> tables,
            String backendDatabase, PoolConfig pool, TenancyConfig tenancy) {
        this(name, shards, defaultShard, tables, backendDatabase, pool, tenancy, null);
    }

    /** A single-backend database. */
    public DatabaseConfig(String name, List<String> shards, String backendDatabase, PoolConfig pool) {
        this(name, shards, null, Map.of(), backendDatabase, pool, null, null);
    }

    /** A database without tenancy. */
    public DatabaseConfig(String name, List<String> shards, String defaultShard, Map<String, TableConfig> tables,
            String backendDatabase, PoolConfig pool) {
        this(name, shards, defaultShard, tables, backendDatabase, pool, null, null);
    }

    /** Whether it serves tenants ({@code tenancy:}), each session routed by its tenant. */
    public boolean isTenanted() {
        return tenancy != null;
    }

    public boolean isPassthrough() {
        return PASSTHROUGH.equals(name);
    }

    /**
     * Whether statements must be routed one by one (several shards or a shard map), not relayed to one
     * backend. A tenant database with tables is both: a tenant's session goes to its tenant, a session
     * without a tenant (an admin's report across tenants) is routed as any sharded one.
     */
    public boolean isSharded() {
        // A tenant database with several shards routes sessions by tenant; with tables, statements by key too.
        return !tables.isEmpty() || (tenancy == null && shards.size() > 1);
    }

    /** The shard map's entry for {@code table} (lower-case, unqualified), if it lists it. */
    public Optional<TableConfig> table(String table) {
        return Optional.ofNullable(tables.get(table));
    }

    /**
     * The shards that can hold rows of {@code table}, in the order of {@link #shards}: all of them for
     * hash with one bucket per shard, those its buckets, ranges or lists name otherwise.
     */
    public List<String> shardsOf(TableConfig.Sharded table) {
        if (table.function() instanceof ShardFunction.Hash(BucketMap buckets) && buckets == null
                || table.function() instanceof ShardFunction.Directory) {
            // A directory may place a key on any shard, whatever its default for unknown keys.
            return shards;
        }
        List<String> named = named(table.function());
        return shards.stream().filter(named::contains).toList();
    }

    /**
     * The buckets of a hash-sharded {@code table}: its own map, or by default one bucket per shard
     * (remainder i of modulus = the number of shards on the shard at position i).
     *
     * @throws IllegalArgumentException when {@code table} is not hash-sharded
     */
    public BucketMap bucketsOf(TableConfig.Sharded table) {
        if (!(table.function() instanceof ShardFunction.Hash(BucketMap buckets))) {
            throw new IllegalArgumentException("table " + table.name() + " is not hash-sharded");
        }
        return buckets != null ? buckets : BucketMap.even(shards.size(), shards);
    }

    private static List<String> named(ShardFunction function) {
        return switch (function) {
            case ShardFunction.Hash h -> h.buckets() == null ? List.of() : h.buckets().shards();
            case ShardFunction.Range r -> r.ranges().stream().map(ShardFunction.RangeBound::shard).distinct().toList();
            case ShardFunction.ListOf l -> l.shardOfValue().values().stream().distinct().toList();
            case ShardFunction.Directory d -> switch (d.unknown()) {
                case DirectoryDefault.Refuse r -> List.of();
                case DirectoryDefault.OnShard s -> List.of(s.shard());
                case DirectoryDefault.Hashed h -> h.buckets() == null ? List.of() : h.buckets().shards();
            };
        };
    }

    public DatabaseConfig withPool(PoolConfig newPool) {
        return new DatabaseConfig(name, shards, defaultShard, tables, backendDatabase, newPool, tenancy, coordinator);
    }

    /** With these shards (the file's, then those added at run time), the default shard kept. */
    public DatabaseConfig withShards(List<String> newShards) {
        return new DatabaseConfig(name, newShards, defaultShard, tables, backendDatabase, pool, tenancy, coordinator);
    }

    public DatabaseConfig withTables(Map<String, TableConfig> newTables) {
        return new DatabaseConfig(name, shards, defaultShard, newTables, backendDatabase, pool, tenancy, coordinator);
    }
}
