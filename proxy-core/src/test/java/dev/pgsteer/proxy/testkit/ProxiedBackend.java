package dev.pgsteer.proxy.testkit;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.proxy.server.PgSteerServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.function.Function;

/**
 * One embedded PostgreSQL and one pgsteer in front of it, shared by the tests of one IT class, so
 * that every differential test can run the same thing by either {@link Route} and compare.
 */
public final class ProxiedBackend implements AutoCloseable {

    /** The two ways to reach the same database: straight to PostgreSQL, or through pgsteer. */
    public enum Route {
        DIRECT, PROXY
    }

    public static final int SOCKET_TIMEOUT_SECONDS = 15;

    private final EmbeddedBackend backend;
    private final PgSteerServer proxy;

    private ProxiedBackend(EmbeddedBackend backend, PgSteerServer proxy) {
        this.backend = backend;
        this.proxy = proxy;
    }

    /** Quick mode, as {@code pgsteer --backend URL}: transaction pooling with the default pool. */
    public static ProxiedBackend quick() {
        return start(EmbeddedBackend::quickConfig);
    }

    /** A proxy whose configuration is built once the backend's port is known. */
    public static ProxiedBackend start(Function<EmbeddedBackend, ProxyConfig> config) {
        EmbeddedBackend backend = EmbeddedBackend.start();
        try {
            PgSteerServer proxy = new PgSteerServer(config.apply(backend)).start();
            return new ProxiedBackend(backend, proxy);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(backend);
            throw new IllegalStateException("interrupted while starting pgsteer", e);
        } catch (RuntimeException | Error e) {
            closeQuietly(backend);
            throw e;
        }
    }

    public EmbeddedBackend backend() {
        return backend;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port(Route route) {
        return route == Route.DIRECT ? backend.port() : proxy.address().getPort();
    }

    /**
     * A pgjdbc URL by {@code route}; {@code parameters} like {@code "prepareThreshold=0"}. Every
     * connection gets a socket timeout, so that an answer the proxy loses fails the test in seconds
     * instead of hanging the build.
     */
    public String jdbcUrl(Route route, String... parameters) {
        String[] withTimeout = Arrays.copyOf(parameters, parameters.length + 1);
        withTimeout[parameters.length] = "socketTimeout=" + SOCKET_TIMEOUT_SECONDS;
        return Pgjdbc.url(port(route), EmbeddedBackend.DATABASE, withTimeout);
    }

    public Connection connect(Route route, String... parameters) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(route, parameters), EmbeddedBackend.USER, EmbeddedBackend.PASSWORD);
    }

    @Override
    public void close() {
        try {
            proxy.close();
        } finally {
            closeQuietly(backend);
        }
    }

    private static void closeQuietly(EmbeddedBackend backend) {
        try {
            backend.close();
        } catch (Exception e) {
            System.err.println("could not stop the embedded PostgreSQL: " + e);
        }
    }
}
