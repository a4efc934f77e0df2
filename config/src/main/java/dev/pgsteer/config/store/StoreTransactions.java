package dev.pgsteer.config.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Work in one transaction on a pooled connection (auto-commit off): committed when it returns, rolled back when it throws. */
final class StoreTransactions {

    @FunctionalInterface
    interface Work<T> {
        T on(Connection connection) throws SQLException;
    }

    private final DataSource pool;
    private final StoreHealth health;

    StoreTransactions(DataSource pool, StoreHealth health) {
        this.pool = pool;
        this.health = health;
    }

    /**
     * Throws {@link StoreUnreachableException} when no connection could be had (nothing was sent),
     * {@link MetadataStoreException} (worded for {@code what}) when the store failed during the work,
     * or what {@code work} throws.
     */
    <T> T run(String what, Work<T> work) {
        Connection pooled;
        try {
            pooled = pool.getConnection();
        } catch (SQLException e) {
            throw new StoreUnreachableException(health.failure(what, e));
        }
        try (Connection connection = pooled) {
            try {
                T result = work.on(connection);
                connection.commit();
                health.confirmed();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // The connection is broken; the pool discards it and the server ends the transaction.
                }
                throw e;
            }
        } catch (SQLException e) {
            throw health.failure(what, e);
        }
    }
}
