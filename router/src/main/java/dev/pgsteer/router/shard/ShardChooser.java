package dev.pgsteer.router.shard;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.directory.KeyCaches;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Chooses the shard of a row of a sharded table from its key value, for one logical database:
 * {@code hash} by PostgreSQL's hash partition remainder over the database's shards in order,
 * {@code range} and {@code list} by the table's bounds. Every sharded table of the database is
 * prepared ({@link ShardedTable}) when this is made; immutable afterwards, so one instance per
 * configuration snapshot serves every session.
 */
public final class ShardChooser {

    private final DatabaseConfig database;
    private final Map<String, ShardedTable> tables;
    private final KeyCaches keys;

    /**
     * @throws IllegalArgumentException naming the table when one of the database's sharded tables
     *     cannot be prepared (see {@link ShardedTable#ShardedTable})
     */
    public ShardChooser(DatabaseConfig database) {
        this(database, KeyCaches.standalone(database.name()));
    }

    /** As above; {@code function: directory} tables place keys by {@code keys}, the database's caches of its directory. */
    public ShardChooser(DatabaseConfig database, KeyCaches keys) {
        this.database = Objects.requireNonNull(database, "database");
        this.keys = Objects.requireNonNull(keys, "keys");
        Map<String, ShardedTable> prepared = new HashMap<>();
        for (TableConfig table : database.tables().values()) {
            if (table instanceof TableConfig.Sharded sharded) {
                prepared.put(sharded.name(), new ShardedTable(sharded, database.shards(), keys));
            }
        }
        this.tables = Map.copyOf(prepared);
    }

    public DatabaseConfig database() {
        return database;
    }

    /**
     * The prepared form of {@code table}: the one made for the database's entry when {@code table} is
     * that entry, else (a table not in the database, or with its key type since learned) a new one.
     * Callers on a hot path keep the answer.
     */
    public ShardedTable table(TableConfig.Sharded table) {
        ShardedTable prepared = tables.get(table.name());
        if (prepared != null && (prepared.config() == table || prepared.config().equals(table))) {
            return prepared;
        }
        return new ShardedTable(table, database.shards(), keys);
    }

    /** The caches of the database's directory groups. */
    public KeyCaches keys() {
        return keys;
    }

    /**
     * The name of the shard that holds the rows of {@code table} whose key is {@code value}.
     *
     * @throws UnmatchedKeyException when no range or list of the table holds the value
     * @throws InvalidShardKeyException when the table's bounds are not values of the value's type
     */
    public String shardOf(TableConfig.Sharded table, KeyValue value) {
        return table(table).shardOf(value);
    }

    /**
     * The type to read a key literal of {@code table} as: the table's key type when known (from the
     * file or the backends' catalogs). When it is not, a <em>fallback</em> guess from the literal
     * itself: an optional sign and decimal digits that fit a bigint are {@link KeyType#INTEGER},
     * anything else {@link KeyType#TEXT}. The guess is wrong for a text column holding digits (its
     * {@code '42'} hashes as text in PostgreSQL, as an integer here) and cannot tell uuids, dates or
     * timestamps from text, so a table with such a key needs its type known.
     */
    public static KeyType keyTypeOf(TableConfig.Sharded table, String literal) {
        if (table.keyType() != null) {
            return table.keyType();
        }
        return looksLikeInteger(literal) ? KeyType.INTEGER : KeyType.TEXT;
    }

    private static boolean looksLikeInteger(String literal) {
        String s = literal.strip();
        int start = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+') ? 1 : 0;
        if (s.length() == start || s.length() - start > 19) {
            return false;
        }
        for (int i = start; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        try {
            Long.parseLong(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
