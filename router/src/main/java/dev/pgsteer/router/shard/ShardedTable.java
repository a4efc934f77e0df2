package dev.pgsteer.router.shard;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.DirectoryDefault;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.directory.DirectoryKeyException;
import dev.pgsteer.router.directory.KeyCache;
import dev.pgsteer.router.directory.KeyCaches;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One sharded table's shard function, made ready for choosing: a hash table's buckets are laid out
 * once here as an array of shards by hash cell (hash mod the number of buckets), range bounds and
 * list values are parsed once, for every key type they parse as, so that {@link #shardOf} only
 * indexes the array, or compares (a binary search over the ranges, one hash lookup in the list), and
 * allocates nothing beyond what hashing a text key needs.
 *
 * <p>Values compare in the type of the value: a list value {@code '1'} matches the integer 1, and
 * when the table's key type is not known yet, each type the value may come in has its own parsed
 * copy of the bounds. Immutable, so one instance serves every session.
 */
public final class ShardedTable {

    private static final int TYPES = KeyType.values().length;

    private final TableConfig.Sharded config;
    private final List<String> shards;
    /** A hash table's buckets; null for a range, list or directory table. */
    private final BucketMap buckets;
    /**
     * The shard of each hash cell (hash mod the number of buckets) of a hash table, or of a directory
     * table's unknown keys with {@code unknown: hash}; null otherwise.
     */
    private final String[] shardOfCell;
    /** A directory table's keys as this instance knows them; null for other tables. */
    private final KeyCache directory;
    /** A directory table's shard for unknown keys with {@code unknown: { shard: }}; null otherwise. */
    private final String unknownShard;
    /** Range bounds per KeyType ordinal; null for a hash or list table. */
    private final Ranges[] ranges;
    /** List values per KeyType ordinal; null for a hash or range table. */
    private final Lists[] lists;
    /** Per KeyType ordinal: why values of that type cannot be placed (a bound is not of the type), or null. */
    private final String[] unusable;

    private record Ranges(KeyValue from, KeyValue[] tos, String[] shards) {
    }

    private record Lists(Map<KeyValue, String> shardOfValue) {
    }

    /**
     * Prepares {@code table} for a database whose shards are {@code shards}, in order.
     *
     * @throws IllegalArgumentException naming the table when a range or list names a shard that is not
     *     one of {@code shards}, or when the table's key type is known and a bound is not of that type
     *     or the ranges are out of order
     */
    public ShardedTable(TableConfig.Sharded table, List<String> shards) {
        this(table, shards, null);
    }

    /**
     * As above; a {@code function: directory} table takes its group's cache from {@code keys} (null:
     * a directory of its own that holds no key, for callers that place no directory keys).
     */
    public ShardedTable(TableConfig.Sharded table, List<String> shards, KeyCaches keys) {
        this.config = Objects.requireNonNull(table, "table");
        this.shards = List.copyOf(shards);
        if (this.shards.isEmpty()) {
            throw new IllegalArgumentException("table \"" + table.name() + "\": the database has no shards");
        }
        this.unusable = new String[TYPES];
        switch (table.function()) {
            case ShardFunction.Hash h -> {
                this.buckets = h.buckets() != null ? h.buckets() : BucketMap.even(this.shards.size(), this.shards);
                this.buckets.placement().forEach(b -> checkShard(b.shard()));
                this.shardOfCell = buckets.shardOfCell();
                this.ranges = null;
                this.lists = null;
                this.directory = null;
                this.unknownShard = null;
            }
            case ShardFunction.Directory d -> {
                this.buckets = null;
                this.ranges = null;
                this.lists = null;
                this.directory = (keys != null ? keys : KeyCaches.standalone("")).group(d.group());
                switch (d.unknown()) {
                    case DirectoryDefault.Refuse r -> {
                        this.shardOfCell = null;
                        this.unknownShard = null;
                    }
                    case DirectoryDefault.OnShard on -> {
                        checkShard(on.shard());
                        this.shardOfCell = null;
                        this.unknownShard = on.shard();
                    }
                    case DirectoryDefault.Hashed h -> {
                        BucketMap map = h.buckets() != null ? h.buckets() : BucketMap.even(this.shards.size(), this.shards);
                        map.placement().forEach(b -> checkShard(b.shard()));
                        this.shardOfCell = map.shardOfCell();
                        this.unknownShard = null;
                    }
                }
            }
            case ShardFunction.Range r -> {
                r.ranges().forEach(b -> checkShard(b.shard()));
                this.buckets = null;
                this.shardOfCell = null;
                this.ranges = new Ranges[TYPES];
                this.lists = null;
                this.directory = null;
                this.unknownShard = null;
                for (KeyType type : KeyType.values()) {
                    try {
                        ranges[type.ordinal()] = ranges(r.ranges(), type);
                    } catch (IllegalArgumentException e) {
                        unusable[type.ordinal()] = e.getMessage();
                    }
                }
            }
            case ShardFunction.ListOf l -> {
                l.shardOfValue().values().forEach(this::checkShard);
                this.buckets = null;
                this.shardOfCell = null;
                this.ranges = null;
                this.lists = new Lists[TYPES];
                this.directory = null;
                this.unknownShard = null;
                for (KeyType type : KeyType.values()) {
                    try {
                        lists[type.ordinal()] = lists(l.shardOfValue(), type);
                    } catch (IllegalArgumentException e) {
                        unusable[type.ordinal()] = e.getMessage();
                    }
                }
            }
        }
        if (table.keyType() != null && unusable[table.keyType().ordinal()] != null) {
            throw new IllegalArgumentException("table \"" + table.name() + "\": " + unusable[table.keyType().ordinal()]);
        }
    }

    public TableConfig.Sharded config() {
        return config;
    }

    /**
     * The name of the shard that holds the rows whose key is {@code value}.
     *
     * @throws UnmatchedKeyException when no range or list of the table holds the value, or the
     *     directory does not hold it and its table refuses unknown keys
     * @throws InvalidShardKeyException when the table's bounds are not values of the value's type
     * @throws dev.pgsteer.router.directory.KeyNotCached when this instance must look the key up first
     * @throws DirectoryKeyException when the directory names a shard the database does not have
     */
    public String shardOf(KeyValue value) {
        int type = value.type().ordinal();
        return switch (config.function()) {
            case ShardFunction.Hash h -> shardOfCell[PgHash.remainder(value, shardOfCell.length)];
            case ShardFunction.Range r -> inRange(checkUsable(type, value), value);
            case ShardFunction.ListOf l -> {
                String shard = lists[checkUsable(type, value)].shardOfValue.get(value);
                if (shard == null) {
                    throw new UnmatchedKeyException(config.name(), config.key(), value, listDescription(l));
                }
                yield shard;
            }
            case ShardFunction.Directory d -> inDirectory(d, value);
        };
    }

    /** One lookup in the group's cache; a key it knows not to be assigned goes by the table's default. */
    private String inDirectory(ShardFunction.Directory function, KeyValue value) {
        String key = value.text();
        String shard = directory.shardOf(key);
        if (shard != null) {
            if (!shards.contains(shard)) {
                throw new DirectoryKeyException("55000", "key " + value.literal() + " of directory group " + function.group()
                        + " is assigned to shard " + shard + ", which is not one of the database's shards " + shards
                        + "; assign it to one of them (ASSIGN KEY on the admin console), or add the shard to the file");
            }
            return shard;
        }
        return switch (function.unknown()) {
            case DirectoryDefault.Refuse r -> throw new UnmatchedKeyException(config.name(), config.key(), value,
                    "directory group " + function.group() + " does not hold the key: assign it on the admin console, "
                            + "ASSIGN KEY " + value.literal() + " OF " + function.group() + " TO <shard>, or give the table "
                            + "a default for unknown keys (unknown: hash, or unknown: { shard: NAME })");
            case DirectoryDefault.OnShard on -> unknownShard;
            case DirectoryDefault.Hashed h -> shardOfCell[PgHash.remainder(value, shardOfCell.length)];
        };
    }

    /**
     * The position in {@link BucketMap#placement} of the bucket that holds {@code value}, for a hash
     * table (EXPLAIN ROUTE names it); -1 for a range or list table.
     */
    public int bucketOf(KeyValue value) {
        if (buckets == null) {
            return -1;
        }
        int cell = PgHash.remainder(value, buckets.buckets());
        List<BucketMap.Bucket> placement = buckets.placement();
        for (int i = 0; i < placement.size(); i++) {
            if (placement.get(i).holds(cell)) {
                return i;
            }
        }
        throw new IllegalStateException("bucket map of " + config.name() + " holds no bucket for cell " + cell);
    }

    /** A hash table's buckets (one per shard unless the table has its own map); null for a range or list table. */
    public BucketMap buckets() {
        return buckets;
    }

    private String inRange(int type, KeyValue value) {
        Ranges r = ranges[type];
        if (r.from != null && value.compareTo(r.from) < 0) {
            throw new UnmatchedKeyException(config.name(), config.key(), value, rangeDescription(r));
        }
        // The first range whose (exclusive) upper bound is above the value; a null bound is "and above".
        KeyValue[] tos = r.tos;
        int lo = 0;
        int hi = tos.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (tos[mid] == null || value.compareTo(tos[mid]) < 0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if (lo == tos.length) {
            throw new UnmatchedKeyException(config.name(), config.key(), value, rangeDescription(r));
        }
        return r.shards[lo];
    }

    private int checkUsable(int type, KeyValue value) {
        if (unusable[type] != null) {
            throw new InvalidShardKeyException("cannot place " + config.key() + " = " + value.literal() + " in table \""
                    + config.name() + "\": " + unusable[type]);
        }
        return type;
    }

    private Ranges ranges(List<ShardFunction.RangeBound> bounds, KeyType type) {
        KeyValue from = bounds.getFirst().from() == null ? null : bound(bounds.getFirst().from(), type);
        KeyValue[] tos = new KeyValue[bounds.size()];
        String[] rangeShards = new String[bounds.size()];
        KeyValue previous = from;
        for (int i = 0; i < bounds.size(); i++) {
            ShardFunction.RangeBound b = bounds.get(i);
            rangeShards[i] = b.shard();
            if (b.to() == null) {
                if (i != bounds.size() - 1) {
                    throw new IllegalArgumentException("only the last range may leave out 'to'");
                }
                continue;
            }
            tos[i] = bound(b.to(), type);
            if (previous != null && tos[i].compareTo(previous) <= 0) {
                throw new IllegalArgumentException("the ranges must go up, but " + b.to()
                        + " comes after " + previous.text());
            }
            previous = tos[i];
        }
        return new Ranges(from, tos, rangeShards);
    }

    /** Values that are not of {@code type} are left out: no value of that type can equal them. */
    private Lists lists(Map<String, String> shardOfText, KeyType type) {
        Map<KeyValue, String> shardOfValue = new HashMap<>();
        Map<KeyValue, String> writtenAs = new HashMap<>();
        for (Map.Entry<String, String> e : shardOfText.entrySet()) {
            KeyValue value;
            try {
                value = KeyValue.ofText(type, e.getKey());
            } catch (InvalidShardKeyException notOfType) {
                continue;
            }
            String before = shardOfValue.putIfAbsent(value, e.getValue());
            if (before != null && !before.equals(e.getValue())) {
                throw new IllegalArgumentException("list values " + writtenAs.get(value)
                        + " and " + e.getKey() + " are the same " + type.configName() + " but go to different shards");
            }
            writtenAs.putIfAbsent(value, e.getKey());
        }
        return new Lists(Map.copyOf(shardOfValue));
    }

    private KeyValue bound(String text, KeyType type) {
        try {
            return KeyValue.ofText(type, text);
        } catch (InvalidShardKeyException e) {
            throw new IllegalArgumentException("range bound " + e.getMessage());
        }
    }

    private void checkShard(String shard) {
        if (!shards.contains(shard)) {
            throw new IllegalArgumentException("table \"" + config.name() + "\" names shard " + shard
                    + ", which is not one of the database's shards " + shards);
        }
    }

    private static String listDescription(ShardFunction.ListOf list) {
        List<String> values = new ArrayList<>(list.shardOfValue().keySet());
        int shown = Math.min(values.size(), 20);
        String text = String.join(", ", values.subList(0, shown));
        return "its list has " + text + (values.size() > shown ? " and " + (values.size() - shown) + " more" : "");
    }

    private static String rangeDescription(Ranges r) {
        KeyValue to = r.tos[r.tos.length - 1];
        if (r.from == null) {
            return "its ranges hold values below " + to.literal();
        }
        if (to == null) {
            return "its ranges hold values from " + r.from.literal();
        }
        return "its ranges hold values from " + r.from.literal() + " (inclusive) to " + to.literal() + " (exclusive)";
    }
}
