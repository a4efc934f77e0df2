package dev.pgsteer.proxy.sharding.shards;

import dev.pgsteer.protocol.SqlState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code ADD SHARD ... SCHEMA EXISTS}: the operator made the schema on the new server (objects a copy
 * does not make included); pgsteer checks that every table of the default shard is there with the same
 * columns, names and types in order, which is what routing and merging rely on.
 */
final class SchemaExists {
    private SchemaExists() {
    }

    static String check(Connection source, Connection target, List<String> tables, String sourceShard, String where)
            throws SQLException {
        List<String> wrong = new ArrayList<>();
        for (String table : tables) {
            String want = shape(source, table);
            String have = shape(target, table);
            if (have == null) {
                wrong.add(table + " is missing");
            } else if (!Objects.equals(want, have)) {
                wrong.add(table + " has (" + have + ") where " + sourceShard + " has (" + want + ")");
            }
        }
        if (!wrong.isEmpty()) {
            throw new ShardChangeException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "SCHEMA EXISTS, but on " + where + " "
                    + String.join("; ", wrong), "make those tables as on " + sourceShard + ", or leave SCHEMA EXISTS out on an "
                    + "empty server to copy the schema");
        }
        return "checked: the " + tables.size() + " table(s) of " + sourceShard + " are there with the same columns";
    }

    private static String shape(Connection connection, String table) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(CatalogSql.TABLE_SHAPE)) {
            st.setString(1, table);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
