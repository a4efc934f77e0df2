package dev.pgsteer.proxy.testkit;

import dev.pgsteer.proxy.server.PgSteerServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * pgjdbc connections to a server on this machine, pgsteer or PostgreSQL, as integration tests open
 * them: the URL {@code jdbc:postgresql://127.0.0.1:port/database?name=value&...}, and by default
 * the role {@link EmbeddedBackend} provisions (app), which every test configuration lists as a user.
 */
public final class Pgjdbc {
    private Pgjdbc() {
    }

    /** The URL of {@code database} on {@code port}; {@code parameters} like {@code "prepareThreshold=0"}. */
    public static String url(int port, String database, String... parameters) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + (parameters.length == 0 ? "" : "?" + String.join("&", parameters));
    }

    /** The URL of {@code database} through {@code proxy}. */
    public static String url(PgSteerServer proxy, String database, String... parameters) {
        return url(proxy.address().getPort(), database, parameters);
    }

    /** {@code database} through {@code proxy}, as app with its password. */
    public static Connection connect(PgSteerServer proxy, String database, String... parameters) throws SQLException {
        return DriverManager.getConnection(url(proxy, database, parameters), EmbeddedBackend.USER, EmbeddedBackend.PASSWORD);
    }
}
