package dev.pgsteer.proxy.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL that a test can stop as {@code pg_ctl stop -m immediate} does and start again on
 * the same port and data directory, with the role and database of {@link EmbeddedBackend}. Commits
 * are synchronous (zonky turns that off), so a commit acknowledged before the stop survives it.
 */
public final class RestartableBackend implements AutoCloseable {
    private final Path data;
    private final Map<String, String> serverConfig;
    private int port;
    private EmbeddedPostgres postgres;

    private RestartableBackend(Path data, Map<String, String> serverConfig) {
        this.data = data;
        this.serverConfig = serverConfig;
    }

    public static RestartableBackend start() {
        return start(Map.of());
    }

    /** With {@code max_prepared_transactions}, for a shard: pgsteer's two-phase commit needs it. */
    public static RestartableBackend shard() {
        return start(Map.of("max_prepared_transactions", "20"));
    }

    private static RestartableBackend start(Map<String, String> serverConfig) {
        try {
            RestartableBackend backend = new RestartableBackend(Files.createTempDirectory("pgsteer-it-restartable"), serverConfig);
            backend.startServer();
            // As EmbeddedBackend: role app with a password, database appdb, SCRAM over TCP.
            EmbeddedBackend.provision(backend.postgres, backend.data);
            return backend;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startServer() throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                // The data must outlive each server: zonky would delete it at close.
                .setCleanDataDirectory(false)
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("password_encryption", "scram-sha-256")
                .setServerConfig("listen_addresses", "127.0.0.1");
        serverConfig.forEach(builder::setServerConfig);
        if (port != 0) {
            builder.setPort(port);
        }
        postgres = builder.start();
        port = postgres.getPort();
    }

    /**
     * Stops the server as {@code pg_ctl stop -m immediate} does, by SIGQUIT to the postmaster: every
     * backend process quits at once (with a warning, no error, to its client), no checkpoint, each
     * client's socket cut. Returns once the postmaster is gone.
     */
    public void stopImmediately() throws IOException, InterruptedException {
        stop("QUIT");
    }

    /**
     * Stops the server as {@code pg_ctl stop -m fast} does, by SIGINT to the postmaster: each backend
     * sends its client FATAL 57P01 and ends. Returns once the postmaster is gone.
     */
    public void stopFast() throws IOException, InterruptedException {
        stop("INT");
    }

    private void stop(String signal) throws IOException, InterruptedException {
        long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid"), StandardCharsets.US_ASCII).getFirst().trim());
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!exited(pid)) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("postmaster " + pid + " still running 30 s after SIG" + signal);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Whether the process is gone or a zombie: the postmaster's parent (pg_ctl) exited long ago, and
     * whoever inherited it may not reap it, so ProcessHandle would call it alive.
     */
    private static boolean exited(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String line = Files.readString(stat, StandardCharsets.US_ASCII);
            // pid (comm) state ...: the state follows the last ')'.
            char state = line.charAt(line.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (NoSuchFileException e) {
            return true;
        }
    }

    /** Starts the server again after a stop, on the same port and data; returns once it accepts connections. */
    public void restart() throws IOException {
        // Releases zonky's lock on the data directory; its pg_ctl stop finds no server and says so in the log.
        postgres.close();
        startServer();
    }

    public int port() {
        return port;
    }

    public String url() {
        return EmbeddedBackend.url(port);
    }

    /** A pgjdbc connection straight to the server, bypassing pgsteer. */
    public Connection direct() throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(port, EmbeddedBackend.DATABASE),
                EmbeddedBackend.USER, EmbeddedBackend.PASSWORD);
    }

    @Override
    public void close() throws IOException {
        postgres.close();
        try (Stream<Path> files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
