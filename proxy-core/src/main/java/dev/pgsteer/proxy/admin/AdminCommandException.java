package dev.pgsteer.proxy.admin;

/** A console command that could not do what was asked: the client gets this SQLSTATE, message and hint. */
final class AdminCommandException extends RuntimeException {
    private final String sqlState;
    private final String hint;

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
