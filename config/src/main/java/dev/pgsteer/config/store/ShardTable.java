package dev.pgsteer.config.store;

import dev.pgsteer.config.AddedShard;
import dev.pgsteer.config.AddedShards;
import dev.pgsteer.config.BackendUrl;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL of the shard list: {@code <schema>.shards} (a row per added shard) and its version row
 * {@code <schema>.shard_list_version} (migration V5). Each method works inside the caller's transaction.
 */
final class ShardTable {
    private static final Logger log = LoggerFactory.getLogger(ShardTable.class);

    private final StoreSchema schema;
    private final String channel;
    private final String load;
    private final String lock;
    private final String setVersion;
    private final String insert;

    ShardTable(StoreSchema schema) {
        this.schema = schema;
        this.channel = channel(schema.name());
        String shards = schema.table("shards");
        String version = schema.table("shard_list_version");
        // One statement, one snapshot: the version with exactly its rows.
        this.load = "SELECT v.version AS list_version, s.database, s.name, s.url, s.password FROM " + version + " v LEFT JOIN "
                + shards + " s ON true ORDER BY s.version, s.database, s.name";
        this.lock = "SELECT version FROM " + version + " FOR UPDATE";
        this.setVersion = "UPDATE " + version + " SET version = ?";
        this.insert = "INSERT INTO " + shards + " (database, name, url, password, version) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT (database, name) DO NOTHING";
    }

    /** {@code pgsteer_shards} for the default schema; never longer than PostgreSQL's 63 bytes. */
    static String channel(String schemaName) {
        String channel = schemaName + "_shards";
        if (channel.getBytes(StandardCharsets.UTF_8).length <= 63) {
            return channel;
        }
        return "pgsteer_shards_" + HexFormat.of().toHexDigits(schemaName.hashCode());
    }

    AddedShards load(Connection connection) throws SQLException {
        long version = 0;
        List<AddedShard> shards = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement(load); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                version = rs.getLong("list_version");
                String database = rs.getString("database");
                if (database == null) {
                    continue;
                }
                try {
                    BackendUrl url = BackendUrl.parse(rs.getString("url"));
                    String password = rs.getString("password");
                    shards.add(new AddedShard(database, rs.getString("name"),
                            password == null ? url : url.withCredentials(url.user(), password)));
                } catch (RuntimeException e) {
                    // A row edited by hand into a URL that does not parse: serve the others, and say which.
                    log.warn("metadata store: shard {} of database {} in {} is left out: {}", rs.getString("name"), database,
                            schema.table("shards"), e.getMessage());
                }
            }
        }
        return new AddedShards(version, shards);
    }

    long lockVersion(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(lock); ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the version row of " + schema.table("shard_list_version") + " is missing");
            }
            return rs.getLong(1);
        }
    }

    void setVersion(Connection connection, long version) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(setVersion)) {
            st.setLong(1, version);
            st.executeUpdate();
        }
    }

    /** False when the database has a shard of that name already. The URL is kept without its password, which goes apart. */
    boolean insert(Connection connection, AddedShard shard, long version) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(insert)) {
            st.setString(1, shard.database());
            st.setString(2, shard.name());
            st.setString(3, shard.url().toString());
            st.setString(4, shard.url().password());
            st.setLong(5, version);
            return st.executeUpdate() == 1;
        }
    }

    void announce(Connection connection, String database) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            st.setString(1, channel);
            st.setString(2, database);
            st.execute();
        }
    }

    void listen(Connection connection) throws SQLException {
        try (var st = connection.createStatement()) {
            st.execute("LISTEN " + StoreSchema.quote(channel));
        }
    }
}
