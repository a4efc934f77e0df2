package dev.pgsteer.proxy.sharding.directory;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.BackendJdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a directory key has rows on a shard: before ASSIGN KEY places a key elsewhere, one
 * {@code SELECT EXISTS} per table of its group on the shard that holds the key now (an index on the
 * key answers it at once). pgsteer moves no rows, so rows there would be lost to routing.
 * Control plane: plain JDBC, off the event loops.
 */
public final class KeyRows {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private KeyRows() {
    }

    /**
     * The tables of {@code tables} that hold rows with key {@code key} on {@code shard}; a table that does
     * not exist there holds none.
     *
     * @throws IllegalStateException when the shard cannot be asked (the console says why)
     */
    public static List<String> tablesWithRows(ProxyConfig proxy, DatabaseConfig database, List<TableConfig.Sharded> tables,
                                              String shard, String key) {
        BackendConfig backend = proxy.backends().get(shard);
        List<String> found = new ArrayList<>();
        try (Connection connection = BackendJdbc.connect(backend, proxy.shardDatabaseName(database, shard), TIMEOUT,
                "pgsteer assign key")) {
            for (TableConfig.Sharded table : tables) {
                if (hasRows(connection, table, key)) {
                    found.add(table.name());
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot look for rows of key '" + key + "' on shard " + shard + ": "
                    + e.getMessage(), e);
        }
        return found;
    }

    private static boolean hasRows(Connection connection, TableConfig.Sharded table, String key) throws SQLException {
        if (!exists(connection, table.name())) {
            return false;
        }
        // The key as an untyped literal: PostgreSQL reads it in the column's own type, as in a statement.
        try (PreparedStatement st = connection.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + quote(table.name())
                + " WHERE " + quote(table.key()) + " = ?)")) {
            st.setObject(1, key, Types.OTHER);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static boolean exists(Connection connection, String table) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT to_regclass(quote_ident(?)) IS NOT NULL")) {
            st.setString(1, table);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
