package dev.pgsteer.proxy.sharding.shards;

import dev.pgsteer.protocol.SqlState;

/** An ADD SHARD that was not made: the SQLSTATE, what was wrong and how to fix it. */
public final class ShardChangeException extends RuntimeException {
    private final SqlState state;
    private final String hint;

    ShardChangeException(SqlState state, String message, String hint) {
        super(message);
        this.state = state;
        this.hint = hint;
    }

    public SqlState state() {
        return state;
    }

    public String hint() {
        return hint;
    }
}
