package dev.pgsteer.router.plan;

/**
 * A statement pgsteer refuses to place, with the SQLSTATE and message its ErrorResponse carries:
 * 0A000 for what cannot be answered correctly across shards, 42P10 for a missing shard key,
 * 22023 for a key value no shard holds.
 */
public sealed class RoutingException extends Exception permits CoordinatorNeeded {
    private final String sqlState;

    public RoutingException(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
