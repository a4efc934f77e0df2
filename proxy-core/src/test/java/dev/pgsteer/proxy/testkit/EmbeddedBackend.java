package dev.pgsteer.proxy.testkit;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ListenAddress;
import dev.pgsteer.config.ProxyConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * A real PostgreSQL for integration tests, with a password-protected role, so that pgsteer's own
 * login to it goes through SCRAM as in production.
 */
public final class EmbeddedBackend implements AutoCloseable {
    public static final String USER = "app";
    public static final String PASSWORD = "app-secret";
    public static final String DATABASE = "appdb";

    private final EmbeddedPostgres postgres;

    private EmbeddedBackend(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static EmbeddedBackend start() {
        return start(0);
    }

    /** A backend for a shard: it accepts PREPARE TRANSACTION, which pgsteer's two-phase commit needs. */
    public static EmbeddedBackend shard() {
        return shard("");
    }

    /**
     * A shard whose database appdb is created with {@code databaseOptions} (options of CREATE
     * DATABASE, such as {@code LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C' TEMPLATE template0}).
     */
    public static EmbeddedBackend shard(String databaseOptions) {
        return start(0, Map.of("max_prepared_transactions", "20"), databaseOptions);
    }

    /** On a given port, for tests where a backend comes (back) where pgsteer expects it; 0 picks one. */
    public static EmbeddedBackend start(int port) {
        return start(port, Map.of());
    }

    public static EmbeddedBackend start(int port, Map<String, String> serverConfig) {
        return start(port, serverConfig, "");
    }

    private static EmbeddedBackend start(int port, Map<String, String> serverConfig, String databaseOptions) {
        try {
            Path data = Files.createTempDirectory("pgsteer-it-pg");
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            if (port != 0) {
                builder.setPort(port);
            }
            serverConfig.forEach(builder::setServerConfig);
            EmbeddedPostgres postgres = builder
                    .setDataDirectory(data)
                    .setServerConfig("password_encryption", "scram-sha-256")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .start();
            provision(postgres, data, databaseOptions);
            return new EmbeddedBackend(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Role app with a password and its database appdb on {@code postgres}, whose data directory is
     * {@code data}; only the bootstrap superuser logs in over TCP without a password.
     */
    static void provision(EmbeddedPostgres postgres, Path data) throws IOException {
        provision(postgres, data, "");
    }

    static void provision(EmbeddedPostgres postgres, Path data, String databaseOptions) throws IOException {
        try (Connection admin = postgres.getPostgresDatabase().getConnection(); Statement statement = admin.createStatement()) {
            statement.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER + " " + databaseOptions);
            // Everyone but the bootstrap superuser must prove a password over TCP, as in production,
            // so pgsteer's own login to the backend goes through SCRAM-SHA-256.
            Files.writeString(data.resolve("pg_hba.conf"), """
                    local all all trust
                    host all postgres 127.0.0.1/32 trust
                    host all all 127.0.0.1/32 scram-sha-256
                    """);
            statement.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The URL pgsteer's configuration gives for a backend on {@code port}: app's login to appdb. */
    static String url(int port) {
        return "postgresql://" + USER + ":" + PASSWORD + "@127.0.0.1:" + port + "/" + DATABASE;
    }

    public int port() {
        return postgres.getPort();
    }

    public String url() {
        return url(port());
    }

    /**
     * A proxy configuration in front of this backend: user app, one logical database appdb with the
     * given pool (for example {@code "mode: transaction, size: 2"}).
     */
    public ProxyConfig proxyConfig(String pool) {
        return ProxyConfigs.inFrontOf(url(), DATABASE + ": { shards: [main], pool: { " + pool + " } }");
    }

    /** Quick mode in front of this backend, as {@code pgsteer --backend URL}: transaction pooling with the default pool. */
    public ProxyConfig quickConfig() {
        return ProxyConfig.quick(new ListenAddress("127.0.0.1", 0), BackendUrl.parse(url()));
    }

    /** The bootstrap superuser's connection, for what the app role may not do (CREATE DATABASE). */
    public Connection admin() throws SQLException {
        return postgres.getPostgresDatabase().getConnection();
    }

    /** A pgjdbc connection straight to the backend, to compare with what comes through pgsteer. */
    public Connection direct() throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(port(), DATABASE), USER, PASSWORD);
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
