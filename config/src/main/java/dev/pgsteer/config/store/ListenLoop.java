package dev.pgsteer.config.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that follows one kind of the store's state (the tenant directory, the bucket maps, the
 * key directory): a connection of its own, outside the pool (which would recycle it and lose the
 * LISTEN), waits for notifications and, on any of them, has its {@link Reader} read what changed and
 * hand it on. What to read, and how, is the reader's; keeping the connection, asking a quiet one
 * whether it still lives, and backing off through an outage is this loop's, once for all of them.
 *
 * <pre>
 *   CONNECTING ── LISTEN, read (after an outage: deliver even if unchanged) ──► LISTENING ── notification ──► read
 *       ▲                                                                           │
 *       └── backoff 100 ms .. 2 s ◄── connection broken ───────────────────────────┘   (WARN once; INFO when back)
 * </pre>
 *
 * LISTEN comes before the first read: a change committed in between is in that read or notified.
 */
final class ListenLoop implements Runnable {

    /** Opens the listener's connection. */
    @FunctionalInterface
    interface Connector {
        Connection open() throws SQLException;
    }

    /** What one follower reads, on the loop's connection and thread. */
    interface Reader {
        /** {@code LISTEN} on its channel(s). */
        void listen(Connection connection) throws SQLException;

        /**
         * Reads what changed and hands it on; {@code afterOutage}: notifications may have been missed,
         * so a reader that compares with what it delivered delivers anyway.
         */
        void read(Connection connection, boolean afterOutage) throws SQLException;

        /** For the log while the store is unreachable: what instances go on with ("the last bucket maps (version 3)"). */
        String serving();

        /** For the log when the store is back: what was read ("bucket maps reloaded (version 4)"). */
        String readAgain();
    }

    static final Duration POLL = Duration.ofMillis(250);
    static final Duration SETTLE = Duration.ofMillis(20);
    static final Duration MAX_SETTLE = Duration.ofMillis(200);
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(ListenLoop.class);

    private final Connector connector;
    private final Reader reader;
    private final boolean settle;
    private final StoreHealth health;
    private final String where;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * {@code settle}: coalesce a burst of notifications into one read (readers that reload their state
     * whole; one that reads only the changes has nothing to save by waiting).
     */
    ListenLoop(String threadName, Connector connector, Reader reader, boolean settle, StoreHealth health, String where) {
        this.connector = connector;
        this.reader = reader;
        this.settle = settle;
        this.health = health;
        this.where = where;
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this);
    }

    void start() {
        thread.start();
    }

    /** Stops the thread and waits for it (at most a poll, or a connection attempt, away). */
    void stop() {
        running = false;
        thread.interrupt();
        if (Thread.currentThread() == thread) {
            return;   // a follower closing the store from its callback: the loop ends when it returns
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
        Duration backoff = MIN_BACKOFF;
        long lastContact = System.nanoTime();
        while (running) {
            try {
                if (connection == null) {
                    connection = connector.open();
                    reader.listen(connection);
                    reader.read(connection, outage);
                    if (outage) {
                        log.info("metadata store reachable again: {}; {}", where, reader.readAgain());
                    }
                    outage = false;
                    backoff = MIN_BACKOFF;
                    lastContact = System.nanoTime();
                }
                PGConnection listening = connection.unwrap(PGConnection.class);
                if (any(listening.getNotifications((int) POLL.toMillis()))) {
                    if (settle) {
                        settle(listening);
                    }
                    reader.read(connection, false);
                    lastContact = System.nanoTime();
                } else if (System.nanoTime() - lastContact > HEARTBEAT.toNanos()) {
                    // A quiet connection may be a dead one (no FIN through a broken network): ask.
                    try (Statement st = connection.createStatement()) {
                        st.execute("SELECT 1");
                    }
                    lastContact = System.nanoTime();
                }
                health.confirmed();
            } catch (SQLException | RuntimeException e) {
                close(connection);
                connection = null;
                if (!running) {
                    break;
                }
                health.lost();
                if (!outage) {
                    log.warn("metadata store unreachable: {}: {}; serving {}, retrying", where, StoreHealth.reason(e),
                            reader.serving());
                    outage = true;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    break;
                }
                Duration doubled = backoff.multipliedBy(2);
                backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
            }
        }
        close(connection);
    }

    private static boolean any(PGNotification[] notifications) {
        return notifications != null && notifications.length > 0;
    }

    /**
     * Coalesces a burst (a script creating tenants one by one): waits while notifications keep
     * coming {@link #SETTLE} apart, for at most {@link #MAX_SETTLE}, so the burst costs one read and
     * a change still reaches every instance within a second.
     */
    private static void settle(PGConnection listening) throws SQLException {
        long until = System.nanoTime() + MAX_SETTLE.toNanos();
        boolean more = true;
        while (more && System.nanoTime() < until) {
            more = any(listening.getNotifications((int) SETTLE.toMillis()));
        }
    }

    private static void close(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Already broken; nothing left to release on our side.
            }
        }
    }
}
