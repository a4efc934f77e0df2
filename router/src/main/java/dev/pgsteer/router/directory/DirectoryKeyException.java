package dev.pgsteer.router.directory;

/**
 * A directory key routing cannot place, with the SQLSTATE its error carries: assigned to a shard the
 * database does not have (55000: the directory and the file disagree, an operator must fix one).
 */
public final class DirectoryKeyException extends RuntimeException {

    private final String sqlState;

    public DirectoryKeyException(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
