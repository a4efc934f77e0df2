package dev.pgsteer.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bucket maps in force at one shard map version: per database, per hash-sharded table, the
 * {@link BucketMap} routing uses. Immutable: a change makes a new one with a higher version, and an
 * instance swaps to it whole. With a metadata store the maps are its {@code buckets} table, seeded
 * from the file; without one, the file's maps and the changes made on this instance since it started.
 *
 * <p>A table the maps do not name keeps the map its configuration gives ({@link #applyTo}).
 */
public record BucketMaps(long version, Map<String, Map<String, BucketMap>> databases) {

    public static final BucketMaps NONE = new BucketMaps(0, Map.of());

    public BucketMaps {
        Map<String, Map<String, BucketMap>> copy = new LinkedHashMap<>();
        databases.forEach((db, tables) -> copy.put(db, Collections.unmodifiableMap(new LinkedHashMap<>(tables))));
        databases = Collections.unmodifiableMap(copy);
    }

    /** The maps of {@code database}'s tables, by table name; empty when it has none here. */
    public Map<String, BucketMap> of(String database) {
        return databases.getOrDefault(database, Map.of());
    }

    /** The file's map of every hash-sharded table of {@code database}: what a store is seeded with. */
    public static Map<String, BucketMap> seedOf(DatabaseConfig database) {
        Map<String, BucketMap> seed = new LinkedHashMap<>();
        for (TableConfig table : database.tables().values()) {
            if (table instanceof TableConfig.Sharded sharded && sharded.function() instanceof ShardFunction.Hash) {
                seed.put(sharded.name(), database.bucketsOf(sharded));
            }
        }
        return seed;
    }

    /**
     * {@code database} with the maps of this version: each hash-sharded table named here gets its map;
     * a table whose map is the one its configuration already gives keeps its function as written, so
     * tables co-located by the file (equal functions) stay so. The same object when nothing changes.
     *
     * @throws IllegalArgumentException when a map names a shard that is not one of the database's
     */
    public DatabaseConfig applyTo(DatabaseConfig database) {
        Map<String, BucketMap> maps = of(database.name());
        if (maps.isEmpty()) {
            return database;
        }
        Map<String, TableConfig> tables = new LinkedHashMap<>(database.tables());
        boolean changed = false;
        for (TableConfig table : database.tables().values()) {
            BucketMap map = maps.get(table.name());
            if (map != null && table instanceof TableConfig.Sharded sharded && sharded.function() instanceof ShardFunction.Hash
                    && !map.equals(database.bucketsOf(sharded))) {
                tables.put(table.name(), new TableConfig.Sharded(sharded.name(), sharded.key(), new ShardFunction.Hash(map),
                        sharded.keyType()));
                changed = true;
            }
        }
        return changed ? database.withTables(tables) : database;
    }

    /** These maps with {@code database}'s tables {@code changes} replaced, at {@code newVersion}. */
    public BucketMaps with(String database, Map<String, BucketMap> changes, long newVersion) {
        Map<String, Map<String, BucketMap>> next = new LinkedHashMap<>(databases);
        Map<String, BucketMap> tables = new LinkedHashMap<>(of(database));
        tables.putAll(changes);
        next.put(database, tables);
        return new BucketMaps(newVersion, next);
    }
}
