package dev.pgsteer.router.shard;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.directory.DirectoryKeyException;
import dev.pgsteer.router.plan.KeyPlacer;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.RoutingException;

/** Places key values with the database's real sharding functions ({@link ShardChooser}). */
public final class ChoosingKeyPlacer implements KeyPlacer {
    private final ShardChooser chooser;

    public ChoosingKeyPlacer(ShardChooser chooser) {
        this.chooser = chooser;
    }

    public ShardChooser chooser() {
        return chooser;
    }

    @Override
    public int shardIndex(TableConfig.Sharded table, KeySource source) throws RoutingException {
        try {
            return chooser.database().shards().indexOf(chooser.shardOf(table, value(table, source)));
        } catch (UnmatchedKeyException e) {
            // PostgreSQL's own word for a row no partition accepts.
            throw new RoutingException("23514", e.getMessage());
        } catch (DirectoryKeyException e) {
            throw new RoutingException(e.sqlState(), e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new RoutingException("22P02", "shard key " + table.key() + " of " + table.name() + ": " + e.getMessage());
        }
    }

    @Override
    public int bucketIndex(TableConfig.Sharded table, KeySource source) throws RoutingException {
        try {
            return chooser.table(table).bucketOf(value(table, source));
        } catch (IllegalArgumentException e) {
            throw new RoutingException("22P02", "shard key " + table.key() + " of " + table.name() + ": " + e.getMessage());
        }
    }

    private static KeyValue value(TableConfig.Sharded table, KeySource source) {
        if (source.isBinary()) {
            KeyType type = table.keyType() != null ? table.keyType() : guessBinary(source.binary().length);
            return KeyValue.ofBinary(type, source.binary());
        }
        return KeyValue.ofText(ShardChooser.keyTypeOf(table, source.text()), source.text());
    }

    /** Without a known key type, a binary value's width says what it likely is. */
    private static KeyType guessBinary(int length) {
        return length == 2 || length == 4 || length == 8 ? KeyType.INTEGER : length == 16 ? KeyType.UUID : KeyType.TEXT;
    }
}
