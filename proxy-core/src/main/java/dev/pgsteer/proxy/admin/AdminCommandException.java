package dev.pgsteer.proxy.admin;

import dev.pgsteer.protocol.SqlState;

/** A console command that could not do what was asked: the client gets this SQLSTATE, message and hint. */
final class AdminCommandException extends RuntimeException {
    private final String sqlState;
    private final String hint;

    AdminCommandException(SqlState state, String message, String hint) {
        this(state.code(), message, hint);
    }

    /** With a SQLSTATE that arrives as text: the tenant directory's, or its database's through JDBC. */
    AdminCommandException(String sqlState, String message, String hint) {
        super(message);
        this.sqlState = sqlState;
        this.hint = hint;
    }

    String sqlState() {
        return sqlState;
    }

    String hint() {
        return hint;
    }
}
