package dev.pgsteer.proxy.sharding.map;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMapEdits;
import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.BucketMapConflictException;
import dev.pgsteer.config.store.BucketMapStore;
import dev.pgsteer.config.store.MoveClaim;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bucket maps this instance routes by, and the one way they change. At start the store is seeded
 * with the file's maps it lacks, its maps are applied to every sharded database, and the store is
 * followed: a change made through any instance reaches each one's databases (LISTEN/NOTIFY with a
 * metadata store), where it takes effect for the next statement as a new router ({@link
 * ShardedDatabase#maps}). A change made here is applied here at once, without waiting for the
 * notification; versions only go up, so whichever arrives second is ignored.
 *
 * <p>Changes ({@link #setBucket}, {@link #split}) are made to a co-located group, every hash-sharded
 * table of a database with the same map, in one store transaction that checks the map is still the
 * one this instance saw. Control plane: blocks on the store; never on an event loop.
 */
public final class ShardMaps {
    private static final Logger log = LoggerFactory.getLogger(ShardMaps.class);

    /** A change made: the group's tables, the map version it made, and what it did in words. */
    public record Change(String database, List<String> tables, long version, String done) {
    }

    private final BucketMapStore store;
    private final Supplier<Map<String, ShardedDatabase>> databases;
    private volatile BucketMaps current = BucketMaps.NONE;
    private boolean following;
    /** Told after each version is applied to every database (the moves' holds wait for a version). */
    private final List<Consumer<BucketMaps>> applied = new CopyOnWriteArrayList<>();

    /** {@code databases}: the sharded databases in force now (a reload replaces the map). */
    public ShardMaps(BucketMapStore store, Supplier<Map<String, ShardedDatabase>> databases) {
        this.store = store;
        this.databases = databases;
    }

    /**
     * Seeds the store with {@code config}'s maps it lacks, applies the stored maps, and follows the
     * store; nothing while {@code config} has no sharded database (a reload may add one: {@link #reloaded}).
     */
    public synchronized void start(ProxyConfig config) {
        if (config.databases().values().stream().noneMatch(DatabaseConfig::isSharded)) {
            return;
        }
        apply(store.seed(config));
        if (!following) {
            following = true;
            store.follow(this::apply);
        }
    }

    /** After a reload: tables new in the file get their maps in the store, and every database the maps in force. */
    public synchronized void reloaded(ProxyConfig config) {
        start(config);
        // A database the reload made took the maps in hand then; a newer version may have come since.
        BucketMaps maps = current;
        databases.get().values().forEach(db -> db.maps(maps));
    }

    /**
     * {@code config} with the maps in force over its sharded databases' own: what a reload compares
     * with what runs, so that a file that did not change reads as unchanged. A map that does not fit
     * a database is left out here; applying it says why ({@link ShardedDatabase#maps}).
     */
    public ProxyConfig over(ProxyConfig config) {
        BucketMaps maps = current;
        Map<String, DatabaseConfig> mapped = new LinkedHashMap<>();
        for (DatabaseConfig database : config.databases().values()) {
            if (database.isSharded()) {
                try {
                    DatabaseConfig withMaps = maps.applyTo(database);
                    if (withMaps != database) {
                        mapped.put(database.name(), withMaps);
                    }
                } catch (IllegalArgumentException e) {
                    // reported when the database takes the maps
                }
            }
        }
        return mapped.isEmpty() ? config : config.withDatabases(mapped);
    }

    /** Calls {@code listener} after each newer version is routed by, on the thread that applied it. */
    public void onApplied(Consumer<BucketMaps> listener) {
        applied.add(listener);
    }

    /** The maps of the version in force. */
    public BucketMaps current() {
        return current;
    }

    public BucketMapStore store() {
        return store;
    }

    /**
     * {@code SET BUCKET bucket OF table [IN database] TO shard}: the bucket ({@code 5} or {@code 5 of 12})
     * of the table's group on {@code shard}. No row moves.
     */
    public Change setBucket(String database, String table, String bucket, String shard) {
        return setBucket(database, table, bucket, shard, null);
    }

    /** As {@link #setBucket(String, String, String, String)}, for a move: made only while {@code claim}'s instance owns it. */
    public Change setBucket(String database, String table, String bucket, String shard, MoveClaim claim) {
        return change(database, table, claim, (db, map) -> {
            if (!db.shards().contains(shard)) {
                throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "database " + db.name() + " has no shard "
                        + shard, "its shards are " + String.join(", ", db.shards()));
            }
            BucketMap.Bucket b = bucketOf(map, bucket);
            if (b.shard().equals(shard)) {
                throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "bucket " + b.label() + " of table " + table
                        + " is on " + shard + " already", "SHOW BUCKETS lists where each bucket is");
            }
            return new Edit(BucketMapEdits.move(map, b, shard), "bucket " + b.label() + " from " + b.shard() + " to " + shard);
        });
    }

    /**
     * {@code SPLIT BUCKETS OF table [IN database] INTO n}: every bucket of the table's group split so
     * that there are {@code n}, each on the shard that held its keys. No row moves.
     */
    public Change split(String database, String table, int into) {
        return change(database, table, null, (db, map) -> {
            try {
                String was = map.placement().size() == map.buckets() ? map.buckets() + " buckets"
                        : map.placement().size() + " buckets (moduli up to " + map.buckets() + ")";
                return new Edit(BucketMapEdits.split(map, into), was + " split into " + into);
            } catch (IllegalArgumentException e) {
                throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, e.getMessage(), null);
            }
        });
    }

    private record Edit(BucketMap map, String done) {
    }

    @FunctionalInterface
    private interface Editor {
        Edit edit(DatabaseConfig database, BucketMap map);
    }

    private Change change(String databaseName, String tableName, MoveClaim claim, Editor editor) {
        String table = tableName.toLowerCase(Locale.ROOT);
        ShardedDatabase database = databaseOf(databaseName, table);
        DatabaseConfig config = database.config();
        if (!(config.tables().get(table) instanceof TableConfig.Sharded sharded)
                || !(sharded.function() instanceof ShardFunction.Hash)) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "table " + table + " of database " + config.name()
                    + " is not hash-sharded: only hash-sharded tables have buckets", "SHOW BUCKETS lists them");
        }
        BucketMap before = config.bucketsOf(sharded);
        List<String> group = BucketMapEdits.group(config, sharded);
        Edit edit = editor.edit(config, before);
        BucketMaps after;
        try {
            after = claim == null ? store.change(config.name(), group, before, edit.map())
                    : store.change(config.name(), group, before, edit.map(), claim);
        } catch (BucketMapConflictException e) {
            throw new MapChangeException(SqlState.SERIALIZATION_FAILURE, e.getMessage(), null);
        }
        apply(after);
        log.info("shard map version {}: database {}, tables {}: {}", after.version(), config.name(), String.join(", ", group),
                edit.done());
        return new Change(config.name(), group, after.version(), edit.done());
    }

    private static BucketMap.Bucket bucketOf(BucketMap map, String label) {
        try {
            return BucketMapEdits.bucket(map, label);
        } catch (IllegalArgumentException e) {
            throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, e.getMessage(), "SHOW BUCKETS lists the buckets");
        }
    }

    private ShardedDatabase databaseOf(String name, String table) {
        Map<String, ShardedDatabase> all = databases.get();
        if (name != null) {
            ShardedDatabase db = all.get(name);
            if (db == null) {
                throw new MapChangeException(SqlState.INVALID_CATALOG_NAME, "there is no sharded database " + name,
                        "the sharded databases are " + String.join(", ", all.keySet()));
            }
            return db;
        }
        List<ShardedDatabase> having = all.values().stream().filter(db -> db.config().tables().containsKey(table)).toList();
        if (having.size() == 1) {
            return having.getFirst();
        }
        if (having.isEmpty()) {
            throw new MapChangeException(SqlState.UNDEFINED_TABLE, "no sharded database has a table " + table,
                    "SHOW BUCKETS lists the hash-sharded tables");
        }
        throw new MapChangeException(SqlState.INVALID_PARAMETER_VALUE, "table " + table + " is in databases "
                + String.join(", ", having.stream().map(db -> db.config().name()).toList()), "add IN database");
    }

    /** Takes {@code maps} when they are newer than those in force, and gives them to every database. */
    private synchronized void apply(BucketMaps maps) {
        if (maps.version() < current.version()) {
            return;
        }
        current = maps;
        databases.get().values().forEach(db -> db.maps(maps));
        applied.forEach(listener -> listener.accept(maps));
    }
}
