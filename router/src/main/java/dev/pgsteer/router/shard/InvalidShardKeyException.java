package dev.pgsteer.router.shard;

/**
 * A shard key value that is not a value of the key's type: {@code 'abc' is not a valid integer shard
 * key}. The message is written for the client that sent the value.
 */
public final class InvalidShardKeyException extends IllegalArgumentException {

    public InvalidShardKeyException(String message) {
        super(message);
    }
}
