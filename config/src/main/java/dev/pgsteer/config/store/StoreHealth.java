package dev.pgsteer.config.store;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;

/**
 * Whether the store answered last time, and when it last confirmed the directory; shared by the
 * calls through the pool and the listener thread. Also the one place that words a failure for the
 * person who reads it.
 */
final class StoreHealth {

    private final String where;
    private volatile boolean reachable = true;
    private volatile long confirmedAt = System.nanoTime();

    /** {@code where}: the store as {@link PostgresMetadataStore#describe()} names it. */
    StoreHealth(String where) {
        this.where = where;
    }

    /** The store answered, and what we hold is what it holds. */
    void confirmed() {
        confirmedAt = System.nanoTime();
        reachable = true;
    }

    void lost() {
        reachable = false;
    }

    boolean reachable() {
        return reachable;
    }

    Duration lag() {
        return Duration.ofNanos(System.nanoTime() - confirmedAt);
    }

    /**
     * The exception for a failed {@code what} ("create tenant acme"); marks the store unreachable when
     * the failure is the connection's rather than the statement's.
     */
    MetadataStoreException failure(String what, SQLException e) {
        boolean connection = isConnectionFailure(e);
        if (connection) {
            lost();
        }
        String fix = connection
                ? "; check that PostgreSQL runs there and accepts connections from this proxy"
                : "";
        return new MetadataStoreException("metadata store " + where + ": cannot " + what + ": " + reason(e) + fix, e);
    }

    /** The failure's own words and those of its cause (Hikari's timeout wraps the driver's reason). */
    static String reason(Throwable e) {
        String reason = String.valueOf(e.getMessage());
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !reason.contains(cause.getMessage())) {
            reason += " (" + cause.getMessage() + ")";
        }
        return reason;
    }

    /** Class 08 (connection exception), 57P01..57P03 (server shut down or starting), or the pool's timeout. */
    static boolean isConnectionFailure(SQLException e) {
        if (e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException) {
            return true;
        }
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P");
    }
}
