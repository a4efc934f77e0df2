package dev.pgsteer.config.store;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ListenAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * The one place that turns a {@link BackendUrl} into what pgjdbc takes: a JDBC URL that holds only
 * host, port and database, and {@link Properties} that hold the login and the timeouts. The control
 * plane's JDBC users (the shard map check, the metadata store) all go through here, so connection
 * options (TLS, for one) are added once.
 *
 * <p>The password travels only in the properties, never in the URL: a URL ends up in logs and in
 * pool descriptions, and {@link #toString()} of {@link Properties} would print it.
 */
public final class BackendJdbc {

    private BackendJdbc() {
    }

    /** {@code jdbc:postgresql://host:port/database}; {@code database} null means the URL's, or none (the user's name). */
    public static String url(BackendUrl url, String database) {
        Objects.requireNonNull(url, "url");
        String db = database != null ? database : url.database() != null ? url.database() : "";
        return "jdbc:postgresql://" + ListenAddress.hostPort(url.host(), url.port()) + "/"
                + URLEncoder.encode(db, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * The login ({@code user}, {@code password}) and {@code timeout} to connect, to log in and to
     * wait for any answer, in whole seconds (at least one: pgjdbc's unit); {@code applicationName}
     * shows in {@code pg_stat_activity}.
     */
    public static Properties properties(BackendUrl url, Duration timeout, String applicationName) {
        Properties props = new Properties();
        if (url.user() != null) {
            props.setProperty("user", url.user());
        }
        if (url.password() != null) {
            props.setProperty("password", url.password());
        }
        String seconds = Long.toString(Math.max(1, timeout.toSeconds()));
        props.setProperty("connectTimeout", seconds);
        props.setProperty("loginTimeout", seconds);
        props.setProperty("socketTimeout", seconds);
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", applicationName);
        // The URL's own ?sslmode= and ?sslrootcert= (a metadata store's URL, for one); a backend's keys override them.
        if (url.sslMode() != null) {
            props.setProperty("sslmode", url.sslMode().configName());
            if (url.sslRootCert() != null && url.sslMode().verifiesCertificate()) {
                props.setProperty("sslrootcert", url.sslRootCert());
            }
        }
        return props;
    }

    /**
     * As {@link #properties(BackendUrl, Duration, String)}, with the backend's TLS too: its
     * {@code sslmode} and {@code sslrootcert}, as pgsteer's own wire connections to it use them.
     */
    public static Properties properties(BackendConfig backend, Duration timeout, String applicationName) {
        return backend.jdbcSslProperties(properties(backend.url(), timeout, applicationName));
    }

    /** A plain connection to a configured backend, with its login, its TLS and {@code timeout}, outside any pool. */
    public static Connection connect(BackendConfig backend, String database, Duration timeout, String applicationName)
            throws SQLException {
        return DriverManager.getConnection(url(backend.url(), database), properties(backend, timeout, applicationName));
    }

    /** For humans and logs: {@code postgresql://host:port/database}, without user or password. */
    public static String describe(BackendUrl url) {
        return "postgresql://" + ListenAddress.hostPort(url.host(), url.port())
                + (url.database() == null ? "" : "/" + url.database());
    }

    /** A plain connection through DriverManager, outside any pool. */
    public static Connection connect(BackendUrl url, String database, Duration timeout, String applicationName)
            throws SQLException {
        return DriverManager.getConnection(url(url, database), properties(url, timeout, applicationName));
    }
}
