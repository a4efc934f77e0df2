package dev.pgsteer.config.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings the store's schema to the version this build knows, one numbered SQL file at a time
 * ({@code migrations/V1__tenants.sql}, ...), and records each in {@code <schema>.schema_version}.
 *
 * <p>Each migration runs in its own transaction that first takes {@code pg_advisory_xact_lock}:
 * when two proxies start together, the second waits, then sees the version recorded by the first
 * and skips it. Objects are created only when missing, checked first, so a login without the right
 * to create schemas can use a store that an administrator migrated.
 */
final class Migrations {

    /** In order; a new migration is a new file here and in resources, never an edit of an old one. */
    static final List<String> FILES = List.of("V1__tenants.sql", "V2__two_phase_commit.sql", "V3__bucket_maps.sql",
            "V4__directory_keys.sql", "V5__shards.sql", "V6__moves.sql", "V7__move_queue.sql", "V8__tenant_moves.sql");

    private static final Pattern FILE_NAME = Pattern.compile("V(\\d+)__(\\w+)\\.sql");

    record Migration(int version, String description, String sql) {
    }

    private final StoreSchema schema;

    Migrations(StoreSchema schema) {
        this.schema = schema;
    }

    /** Every migration, its {@code ${schema}} replaced by the quoted schema name. */
    List<Migration> all() {
        List<Migration> all = new ArrayList<>();
        for (String file : FILES) {
            Matcher m = FILE_NAME.matcher(file);
            if (!m.matches()) {
                throw new IllegalStateException("migration file " + file + " is not named V<n>__<description>.sql");
            }
            int version = Integer.parseInt(m.group(1));
            if (version != all.size() + 1) {
                throw new IllegalStateException("migration " + file + " should be version " + (all.size() + 1));
            }
            all.add(new Migration(version, m.group(2).replace('_', ' '),
                    read(file).replace("${schema}", schema.quoted())));
        }
        return all;
    }

    private static String read(String file) {
        try (InputStream in = Migrations.class.getResourceAsStream("migrations/" + file)) {
            if (in == null) {
                throw new IllegalStateException("migration " + file + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Applies what is missing, on {@code connection} (auto-commit off; every transaction is ended
     * here). Returns the migrations this call applied, none when the schema was current.
     */
    List<Migration> apply(Connection connection) throws SQLException {
        List<Migration> applied = new ArrayList<>();
        for (Migration migration : all()) {
            try {
                lockAndPrepare(connection);
                if (!isApplied(connection, migration.version())) {
                    try (Statement st = connection.createStatement()) {
                        st.execute(migration.sql());
                    }
                    record(connection, migration);
                    applied.add(migration);
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        return applied;
    }

    /** The highest version recorded; above {@link #FILES}' when a newer pgsteer migrated this store. */
    int currentVersion(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM " + schema.table("schema_version"))) {
            rs.next();
            int version = rs.getInt(1);
            connection.commit();
            return version;
        }
    }

    private void lockAndPrepare(Connection connection) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, schema.lockName());
            lock.execute();
        }
        if (missing(connection, "SELECT to_regnamespace(?) IS NULL", schema.quoted())) {
            try (Statement st = connection.createStatement()) {
                st.execute("CREATE SCHEMA " + schema.quoted());
            }
        }
        if (missing(connection, "SELECT to_regclass(?) IS NULL", schema.table("schema_version"))) {
            try (Statement st = connection.createStatement()) {
                st.execute("CREATE TABLE " + schema.table("schema_version") + " ("
                        + "version int PRIMARY KEY, "
                        + "applied_at timestamptz NOT NULL DEFAULT now(), "
                        + "description text NOT NULL)");
            }
        }
    }

    private static boolean missing(Connection connection, String query, String name) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(query)) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private boolean isApplied(Connection connection, int version) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "SELECT 1 FROM " + schema.table("schema_version") + " WHERE version = ?")) {
            st.setInt(1, version);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    private void record(Connection connection, Migration migration) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "INSERT INTO " + schema.table("schema_version") + " (version, description) VALUES (?, ?)")) {
            st.setInt(1, migration.version());
            st.setString(2, migration.description());
            st.executeUpdate();
        }
    }
}
