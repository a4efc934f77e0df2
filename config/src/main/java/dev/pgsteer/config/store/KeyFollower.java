package dev.pgsteer.config.store;

import dev.pgsteer.config.store.KeyDirectoryStore.KeyAssignment;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key directory's listener thread: like the tenant directory's ({@link DirectoryFollower}), a
 * connection of its own LISTENs on the key channel; on a notification it reads the rows above the
 * version it last saw and hands them to the followers, so a bulk assignment of many keys costs one
 * read, and nothing is reloaded whole. After an outage it reads from where it stopped: the changes
 * made meanwhile come in order, none lost.
 *
 * <pre>
 *   CONNECTING ── LISTEN, read changes above the last version ──► LISTENING ── notification ──► read, deliver
 *       ▲                                                            │
 *       └── backoff 100 ms .. 2 s ◄── connection broken ─────────────┘   (WARN once; INFO when back)
 * </pre>
 */
final class KeyFollower implements Runnable {

    @FunctionalInterface
    interface Connector {
        Connection open() throws SQLException;
    }

    static final String THREAD_NAME = "pgsteer-key-directory-listener";
    private static final Logger log = LoggerFactory.getLogger(KeyFollower.class);

    private final Connector connector;
    private final PostgresKeyDirectory directory;
    private final StoreHealth health;
    private final String where;
    private final List<Consumer<List<KeyAssignment>>> followers = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private long seen;

    /** {@code seen}: the version whose changes the followers already have. */
    KeyFollower(Connector connector, PostgresKeyDirectory directory, StoreHealth health, String where, long seen) {
        this.connector = connector;
        this.directory = directory;
        this.health = health;
        this.where = where;
        this.seen = seen;
        this.thread = Thread.ofPlatform().name(THREAD_NAME).daemon(true).unstarted(this);
    }

    void add(Consumer<List<KeyAssignment>> follower) {
        followers.add(follower);
    }

    void start() {
        thread.start();
    }

    void stop() {
        running = false;
        thread.interrupt();
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        Connection connection = null;
        boolean outage = false;
        Duration backoff = DirectoryFollower.MIN_BACKOFF;
        long lastContact = System.nanoTime();
        while (running) {
            try {
                if (connection == null) {
                    connection = connector.open();
                    directory.listen(connection);
                    // LISTEN first, then read: a change committed in between is read now or notified.
                    catchUp(connection);
                    if (outage) {
                        log.info("key directory: metadata store reachable again: {}; read the changes up to version {}",
                                where, seen);
                    }
                    outage = false;
                    backoff = DirectoryFollower.MIN_BACKOFF;
                    lastContact = System.nanoTime();
                }
                PGConnection listening = connection.unwrap(PGConnection.class);
                if (any(listening.getNotifications((int) DirectoryFollower.POLL.toMillis()))) {
                    catchUp(connection);
                    lastContact = System.nanoTime();
                } else if (System.nanoTime() - lastContact > DirectoryFollower.HEARTBEAT.toNanos()) {
                    try (Statement st = connection.createStatement()) {
                        st.execute("SELECT 1");
                    }
                    lastContact = System.nanoTime();
                }
            } catch (SQLException | RuntimeException e) {
                close(connection);
                connection = null;
                if (!running) {
                    break;
                }
                health.lost();
                if (!outage) {
                    log.warn("key directory: metadata store unreachable: {}: {}; routing by the keys cached, retrying",
                            where, StoreHealth.reason(e));
                    outage = true;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    break;
                }
                Duration doubled = backoff.multipliedBy(2);
                backoff = doubled.compareTo(DirectoryFollower.MAX_BACKOFF) > 0 ? DirectoryFollower.MAX_BACKOFF : doubled;
            }
        }
        close(connection);
    }

    /**
     * Reads and delivers every change above {@link #seen}, in one read: the rows of one version (a bulk
     * assignment) must all come before the version counts as seen, so no page may cut them.
     */
    private void catchUp(Connection connection) throws SQLException {
        List<KeyAssignment> changes = directory.changesAfter(connection, seen);
        if (!changes.isEmpty()) {
            deliver(changes);
            seen = changes.getLast().version();
        }
        health.confirmed();
    }

    private void deliver(List<KeyAssignment> changes) {
        for (Consumer<List<KeyAssignment>> follower : followers) {
            try {
                follower.accept(changes);
            } catch (RuntimeException e) {
                log.error("key directory: a follower failed on changes up to version {}", changes.getLast().version(), e);
            }
        }
    }

    private static boolean any(PGNotification[] notifications) {
        return notifications != null && notifications.length > 0;
    }

    private static void close(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Already broken.
            }
        }
    }
}
