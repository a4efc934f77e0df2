package dev.pgsteer.config.store;

/** ADD SHARD of a name its database has in the metadata store already. */
public final class ShardExistsException extends RuntimeException {
    public ShardExistsException(String message) {
        super(message);
    }
}
