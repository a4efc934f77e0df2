package dev.pgsteer.config.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The key directory in the metadata store: table {@code <schema>.directory_keys} and its version row
 * {@code <schema>.directory_keys_version} (migration V2). A change raises the version in its own
 * transaction (writers queue on that row, so they commit in version order), stamps the rows it
 * changes with it, and notifies channel {@code <schema>_keys}; each instance's {@link KeyFollower}
 * then reads the rows above the version it last saw. Shares the metadata store's pool and health.
 */
final class PostgresKeyDirectory implements KeyDirectoryStore {

    private final DataSource pool;
    private final StoreHealth health;
    private final String where;
    private final StoreSchema schema;
    private final ListenLoop.Connector listener;
    private final String keys;
    private final String version;
    private KeyFollower follower;

    PostgresKeyDirectory(DataSource pool, StoreHealth health, String where, StoreSchema schema,
                         ListenLoop.Connector listener) {
        this.pool = pool;
        this.health = health;
        this.where = where;
        this.schema = schema;
        this.listener = listener;
        this.keys = schema.table("directory_keys");
        this.version = schema.table("directory_keys_version");
    }

    /** The channel of key changes, {@code pgsteer_keys} for the default schema: one per schema, as for tenants. */
    static String channel(StoreSchema schema) {
        String channel = schema.name() + "_keys";
        if (channel.getBytes(StandardCharsets.UTF_8).length <= 63) {
            return channel;
        }
        return "pgsteer_keys_" + HexFormat.of().toHexDigits(schema.name().hashCode());
    }

    @Override
    public Optional<String> lookup(String database, String group, String key) {
        return transaction("look up key " + key + " of group " + group, connection -> {
            try (PreparedStatement st = connection.prepareStatement("SELECT shard FROM " + keys
                    + " WHERE database = ? AND group_name = ? AND key = ?")) {
                st.setString(1, database);
                st.setString(2, group);
                st.setString(3, key);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public Optional<Map<String, String>> loadGroup(String database, String group, int limit) {
        return transaction("load the keys of group " + group, connection -> {
            Map<String, String> all = new LinkedHashMap<>();
            try (PreparedStatement st = connection.prepareStatement("SELECT key, shard FROM " + keys
                    + " WHERE database = ? AND group_name = ? AND shard IS NOT NULL LIMIT ?")) {
                st.setString(1, database);
                st.setString(2, group);
                st.setInt(3, limit + 1);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        all.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            return all.size() > limit ? Optional.empty() : Optional.of(all);
        });
    }

    @Override
    public Map<String, String> assign(String database, String group, Map<String, String> shardOfKey) {
        return transaction("assign " + shardOfKey.size() + " key(s) of group " + group, connection -> {
            long v = nextVersion(connection);
            Map<String, String> before = new LinkedHashMap<>();
            try (PreparedStatement read = connection.prepareStatement("SELECT shard FROM " + keys
                    + " WHERE database = ? AND group_name = ? AND key = ? FOR UPDATE");
                 PreparedStatement write = connection.prepareStatement("INSERT INTO " + keys
                         + " (database, group_name, key, shard, version) VALUES (?, ?, ?, ?, ?) ON CONFLICT (database, group_name, key)"
                         + " DO UPDATE SET shard = excluded.shard, version = excluded.version, updated_at = now()")) {
                for (Map.Entry<String, String> e : shardOfKey.entrySet()) {
                    read.setString(1, database);
                    read.setString(2, group);
                    read.setString(3, e.getKey());
                    try (ResultSet rs = read.executeQuery()) {
                        before.put(e.getKey(), rs.next() ? rs.getString(1) : null);
                    }
                    write.setString(1, database);
                    write.setString(2, group);
                    write.setString(3, e.getKey());
                    write.setString(4, Objects.requireNonNull(e.getValue(), "shard"));
                    write.setLong(5, v);
                    write.addBatch();
                }
                write.executeBatch();
            }
            announce(connection, v);
            return before;
        });
    }

    @Override
    public boolean unassign(String database, String group, String key) {
        return transaction("unassign key " + key + " of group " + group, connection -> {
            long v = nextVersion(connection);
            try (PreparedStatement st = connection.prepareStatement("UPDATE " + keys
                    + " SET shard = NULL, version = ?, updated_at = now() WHERE database = ? AND group_name = ? AND key = ?"
                    + " AND shard IS NOT NULL")) {
                st.setLong(1, v);
                st.setString(2, database);
                st.setString(3, group);
                st.setString(4, key);
                if (st.executeUpdate() == 0) {
                    connection.rollback();
                    return false;
                }
            }
            announce(connection, v);
            return true;
        });
    }

    @Override
    public List<KeyAssignment> list(String database, String group, int limit) {
        return transaction("list the keys of group " + group, connection -> {
            try (PreparedStatement st = connection.prepareStatement("SELECT database, group_name, key, shard, version FROM "
                    + keys + " WHERE database = ? AND (group_name = ? OR ? IS NULL) AND shard IS NOT NULL"
                    + " ORDER BY group_name, key LIMIT ?")) {
                st.setString(1, database);
                st.setString(2, group);
                st.setString(3, group);
                st.setInt(4, limit);
                try (ResultSet rs = st.executeQuery()) {
                    return rows(rs);
                }
            }
        });
    }

    @Override
    public long version() {
        return transaction("read the key directory's version", this::currentVersion);
    }

    @Override
    public synchronized void follow(Consumer<List<KeyAssignment>> onChanges) {
        if (follower == null) {
            long from = transaction("read the key directory's version", this::currentVersion);
            follower = new KeyFollower(listener, this, health, where, from);
            follower.start();
        }
        follower.add(onChanges);
    }

    synchronized void stop() {
        if (follower != null) {
            follower.stop();
        }
    }

    /** {@code LISTEN} on the key channel, on a connection in auto-commit (the follower's own). */
    void listen(Connection connection) throws SQLException {
        try (var st = connection.createStatement()) {
            st.execute("LISTEN " + StoreSchema.quote(channel(schema)));
        }
    }

    /** The changes above {@code after}, in version order. */
    List<KeyAssignment> changesAfter(Connection connection, long after) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT database, group_name, key, shard, version FROM "
                + keys + " WHERE version > ? ORDER BY version, database, group_name, key")) {
            st.setLong(1, after);
            try (ResultSet rs = st.executeQuery()) {
                return rows(rs);
            }
        }
    }

    long currentVersion(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT version FROM " + version);
             ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the version row of " + version + " is missing");
            }
            return rs.getLong(1);
        }
    }

    private static List<KeyAssignment> rows(ResultSet rs) throws SQLException {
        List<KeyAssignment> rows = new ArrayList<>();
        while (rs.next()) {
            rows.add(new KeyAssignment(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
        }
        return rows;
    }

    private long nextVersion(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("UPDATE " + version + " SET version = version + 1 RETURNING version");
             ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the version row of " + version + " is missing");
            }
            return rs.getLong(1);
        }
    }

    /** Wakes every follower at commit; the payload is the version, for people watching with LISTEN. */
    private void announce(Connection connection, long v) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            st.setString(1, channel(schema));
            st.setString(2, Long.toString(v));
            st.execute();
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T on(Connection connection) throws SQLException;
    }

    /** {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    private <T> T transaction(String what, Work<T> work) {
        try (Connection connection = pool.getConnection()) {
            try {
                T result = work.on(connection);
                connection.commit();
                health.confirmed();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // Broken: the pool discards it.
                }
                throw e;
            }
        } catch (SQLException e) {
            throw health.failure(what, e);
        }
    }
}
