package dev.pgsteer.config.store;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMaps;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL of the bucket maps: {@code <schema>.buckets} (a row per bucket of each table) and its version
 * row {@code <schema>.shard_map_version}. Each method works on the connection it is given, inside the
 * caller's transaction.
 */
final class BucketMapTable {

    private static final Logger log = LoggerFactory.getLogger(BucketMapTable.class);

    private final StoreSchema schema;
    private final String channel;
    private final String load;
    private final String lock;
    private final String setVersion;
    private final String delete;
    private final String insert;

    BucketMapTable(StoreSchema schema) {
        this.schema = schema;
        this.channel = channel(schema.name());
        String buckets = schema.table("buckets");
        String version = schema.table("shard_map_version");
        // One statement, so one snapshot: the version comes with exactly the rows it describes.
        this.load = "SELECT v.version AS map_version, b.database, b.table_name, b.buckets, b.modulus, b.remainder, b.shard FROM "
                + version + " v LEFT JOIN " + buckets + " b ON true ORDER BY b.database, b.table_name, b.modulus, b.remainder";
        this.lock = "SELECT version FROM " + version + " FOR UPDATE";
        this.setVersion = "UPDATE " + version + " SET version = ?";
        this.delete = "DELETE FROM " + buckets + " WHERE database = ? AND table_name = ?";
        this.insert = "INSERT INTO " + buckets + " (database, table_name, buckets, modulus, remainder, shard, version) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?)";
    }

    /**
     * The channel of the maps' notifications, {@code pgsteer_buckets} for the default schema: one per
     * schema, as the tenant directory's, and never longer than PostgreSQL's 63 bytes.
     */
    static String channel(String schemaName) {
        String channel = schemaName + "_buckets";
        if (channel.getBytes(StandardCharsets.UTF_8).length <= 63) {
            return channel;
        }
        return "pgsteer_buckets_" + HexFormat.of().toHexDigits(schemaName.hashCode());
    }

    BucketMaps load(Connection connection) throws SQLException {
        long version = 0;
        Map<String, Map<String, List<BucketMap.Bucket>>> rows = new LinkedHashMap<>();
        Map<String, Integer> cells = new LinkedHashMap<>();
        try (PreparedStatement st = connection.prepareStatement(load); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                version = rs.getLong("map_version");
                String database = rs.getString("database");
                if (database == null) {
                    continue;
                }
                String table = rs.getString("table_name");
                rows.computeIfAbsent(database, d -> new LinkedHashMap<>()).computeIfAbsent(table, t -> new ArrayList<>())
                        .add(new BucketMap.Bucket(rs.getInt("modulus"), rs.getInt("remainder"), rs.getString("shard")));
                cells.put(database + "\0" + table, rs.getInt("buckets"));
            }
        }
        Map<String, Map<String, BucketMap>> maps = new LinkedHashMap<>();
        rows.forEach((database, tables) -> tables.forEach((table, buckets) -> {
            try {
                maps.computeIfAbsent(database, d -> new LinkedHashMap<>())
                        .put(table, new BucketMap(cells.get(database + "\0" + table), buckets));
            } catch (IllegalArgumentException e) {
                // Rows edited by hand into a map that is no partition: that table keeps its file's map.
                log.warn("metadata store: the bucket map of table {} of database {} in {} is left out: {}", table, database,
                        schema.table("buckets"), e.getMessage());
            }
        }));
        return new BucketMaps(version, maps);
    }

    /** Holds the version row until the transaction ends (changes queue here) and returns the version. */
    long lockVersion(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(lock); ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the version row of " + schema.table("shard_map_version") + " is missing");
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

    /** Replaces the rows of {@code table} with {@code map}'s, at {@code version}. */
    void replace(Connection connection, String database, String table, BucketMap map, long version) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(delete)) {
            st.setString(1, database);
            st.setString(2, table);
            st.executeUpdate();
        }
        try (PreparedStatement st = connection.prepareStatement(insert)) {
            for (BucketMap.Bucket b : map.placement()) {
                st.setString(1, database);
                st.setString(2, table);
                st.setInt(3, map.buckets());
                st.setInt(4, b.modulus());
                st.setInt(5, b.remainder());
                st.setString(6, b.shard());
                st.setLong(7, version);
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** Tells every follower, at commit (PostgreSQL delivers notifications only then). */
    void announce(Connection connection, String database) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            st.setString(1, channel);
            st.setString(2, database);
            st.execute();
        }
    }

    /** {@code LISTEN} on the maps' channel, on a connection in auto-commit. */
    void listen(Connection connection) throws SQLException {
        try (var st = connection.createStatement()) {
            st.execute("LISTEN " + StoreSchema.quote(channel));
        }
    }
}
