package dev.pgsteer.config.store;

import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.config.TenantState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL of the directory: {@code <schema>.tenants} and its version row. Each method works on the
 * connection it is given, inside the caller's transaction; committing is the caller's business.
 */
final class TenantTable {

    private static final Logger log = LoggerFactory.getLogger(TenantTable.class);

    private static final String COLUMNS =
            "id, database, mode, shard, schema_name, backend, role, role_password, state, version";

    private final StoreSchema schema;
    private final String load;
    private final String bump;
    private final String insert;
    private final String update;
    private final String delete;

    TenantTable(StoreSchema schema) {
        this.schema = schema;
        String tenants = schema.table("tenants");
        String version = schema.table("directory_version");
        // One statement, so one snapshot: the version comes with exactly the rows it describes.
        this.load = "SELECT d.version AS directory_version, t.* FROM " + version + " d LEFT JOIN (SELECT " + COLUMNS
                + " FROM " + tenants + ") t ON true ORDER BY t.id";
        this.bump = "UPDATE " + version + " SET version = version + 1 RETURNING version";
        this.insert = "INSERT INTO " + tenants + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (id) DO NOTHING";
        this.update = "UPDATE " + tenants + " SET database = ?, mode = ?, shard = ?, schema_name = ?, backend = ?, "
                + "role = ?, role_password = ?, state = ?, version = ?, updated_at = now() WHERE id = ?";
        this.delete = "DELETE FROM " + tenants + " WHERE id = ?";
    }

    TenantDirectory load(Connection connection) throws SQLException {
        Map<String, TenantConfig> tenants = new LinkedHashMap<>();
        long version = 0;
        try (PreparedStatement st = connection.prepareStatement(load); ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                version = rs.getLong("directory_version");
                String id = rs.getString("id");
                if (id != null) {
                    try {
                        tenants.put(id, tenant(rs));
                    } catch (IllegalArgumentException e) {
                        // A row edited by hand past the table's checks: serve every other tenant.
                        log.warn("metadata store: tenant {} in {} is left out of the directory: {}", id,
                                schema.table("tenants"), e.getMessage());
                    }
                }
            }
        }
        return new TenantDirectory(tenants, version);
    }

    private static TenantConfig tenant(ResultSet rs) throws SQLException {
        return new TenantConfig(rs.getString("id"), rs.getString("database"), TenantMode.parse(rs.getString("mode")),
                rs.getString("shard"), rs.getString("schema_name"), rs.getString("backend"), rs.getString("role"),
                rs.getString("role_password"), TenantState.parse(rs.getString("state")), rs.getLong("version"));
    }

    /** Raises the directory's version and returns it; holds the version row until the transaction ends. */
    long nextVersion(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(bump); ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the version row of " + schema.table("directory_version") + " is missing");
            }
            return rs.getLong(1);
        }
    }

    /** Adds {@code tenant} at {@code version}; false when its id is taken. */
    boolean insert(Connection connection, TenantConfig tenant, long version) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(insert)) {
            st.setString(1, tenant.id());
            st.setString(2, tenant.database());
            st.setString(3, tenant.mode().configName());
            st.setString(4, tenant.shard());
            st.setString(5, tenant.schema());
            st.setString(6, tenant.backend());
            st.setString(7, tenant.role());
            st.setString(8, tenant.rolePassword());
            st.setString(9, tenant.state().configName());
            st.setLong(10, version);
            return st.executeUpdate() == 1;
        }
    }

    /** Adds those of {@code tenants} whose ids are free, at {@code version}; returns how many. */
    int insertMissing(Connection connection, Collection<TenantConfig> tenants, long version) throws SQLException {
        int added = 0;
        for (TenantConfig tenant : tenants) {
            if (insert(connection, tenant, version)) {
                added++;
            }
        }
        return added;
    }

    /** Replaces the tenant of {@code tenant.id()}; false when there is none. */
    boolean update(Connection connection, TenantConfig tenant, long version) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(update)) {
            st.setString(1, tenant.database());
            st.setString(2, tenant.mode().configName());
            st.setString(3, tenant.shard());
            st.setString(4, tenant.schema());
            st.setString(5, tenant.backend());
            st.setString(6, tenant.role());
            st.setString(7, tenant.rolePassword());
            st.setString(8, tenant.state().configName());
            st.setLong(9, version);
            st.setString(10, tenant.id());
            return st.executeUpdate() == 1;
        }
    }

    boolean delete(Connection connection, String id) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(delete)) {
            st.setString(1, id);
            return st.executeUpdate() == 1;
        }
    }

    /** Tells every follower, at commit: PostgreSQL delivers notifications only when the transaction commits. */
    void announce(Connection connection, String id) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            st.setString(1, schema.channel());
            st.setString(2, id);
            st.execute();
        }
    }

    /** {@code LISTEN} on the directory's channel, on a connection in auto-commit. */
    void listen(Connection connection) throws SQLException {
        try (var st = connection.createStatement()) {
            st.execute("LISTEN " + StoreSchema.quote(schema.channel()));
        }
    }
}
