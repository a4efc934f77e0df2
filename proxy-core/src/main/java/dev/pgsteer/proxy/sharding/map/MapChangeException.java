package dev.pgsteer.proxy.sharding.map;

import dev.pgsteer.protocol.SqlState;

/** A bucket map change that was not made: the SQLSTATE, what was wrong and how to fix it. */
public final class MapChangeException extends RuntimeException {
    private final SqlState state;
    private final String hint;

    public MapChangeException(SqlState state, String message, String hint) {
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
