package dev.pgsteer.config.store;

import dev.pgsteer.config.TenantDirectory;
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
 * The listener thread: one connection of its own (outside the pool, which would recycle it and
 * lose the LISTEN) waits for the directory's notifications, and on any of them reloads the whole
 * directory and hands it to the followers. Notifications carry only a tenant id; reloading it all
 * keeps this simple, and a burst of changes costs one reload (see {@link #settle}).
 *
 * <pre>
 *   CONNECTING ── LISTEN, reload, deliver if changed ──► LISTENING ── notification ──► reload, deliver
 *       ▲                                                    │
 *       └── backoff 100 ms .. 2 s ◄── connection broken ─────┘   (WARN once; INFO when back)
 * </pre>
 *
 * After an outage the directory is reloaded and delivered even if it looks unchanged: changes made
 * meanwhile sent notifications nobody heard.
 */
final class DirectoryFollower implements Runnable {

    /** Opens the listener's connection. */
    @FunctionalInterface
    interface Connector {
        Connection open() throws SQLException;
    }

    static final String THREAD_NAME = "pgsteer-metadata-listener";
    static final Duration POLL = Duration.ofMillis(250);
    static final Duration SETTLE = Duration.ofMillis(20);
    static final Duration MAX_SETTLE = Duration.ofMillis(200);
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(DirectoryFollower.class);

    private final Connector connector;
    private final TenantTable table;
    private final StoreHealth health;
    private final String where;
    private final List<Consumer<TenantDirectory>> followers = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private TenantDirectory delivered;

    /** {@code known}: the directory the followers already have, not delivered again unless it changes. */
    DirectoryFollower(Connector connector, TenantTable table, StoreHealth health, String where, TenantDirectory known) {
        this.connector = connector;
        this.table = table;
        this.health = health;
        this.where = where;
        this.delivered = known;
        this.thread = Thread.ofPlatform().name(THREAD_NAME).daemon(true).unstarted(this);
    }

    void add(Consumer<TenantDirectory> follower) {
        followers.add(follower);
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
                    table.listen(connection);
                    // LISTEN first, then load: a change committed in between is in the load or notified.
                    TenantDirectory now = reload(connection);
                    if (outage) {
                        log.info("metadata store reachable again: {}; directory reloaded (version {}, {} tenants)",
                                where, now.version(), now.tenants().size());
                    }
                    deliver(now, outage);
                    outage = false;
                    backoff = MIN_BACKOFF;
                    lastContact = System.nanoTime();
                }
                PGConnection listening = connection.unwrap(PGConnection.class);
                if (any(listening.getNotifications((int) POLL.toMillis()))) {
                    settle(listening);
                    deliver(reload(connection), false);
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
                    log.warn("metadata store unreachable: {}: {}; serving the last directory (version {}), retrying",
                            where, StoreHealth.reason(e), delivered.version());
                    outage = true;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        close(connection);
    }

    private static boolean any(PGNotification[] notifications) {
        return notifications != null && notifications.length > 0;
    }

    /**
     * Coalesces a burst (a script creating tenants one by one): waits while notifications keep
     * coming {@link #SETTLE} apart, for at most {@link #MAX_SETTLE}, so the burst costs one reload.
     */
    private static void settle(PGConnection listening) throws SQLException {
        long until = System.nanoTime() + MAX_SETTLE.toNanos();
        boolean more = true;
        while (more && System.nanoTime() < until) {
            more = any(listening.getNotifications((int) SETTLE.toMillis()));
        }
    }

    private TenantDirectory reload(Connection connection) throws SQLException {
        TenantDirectory now = table.load(connection);
        health.confirmed();
        return now;
    }

    private void deliver(TenantDirectory now, boolean always) {
        if (!always && now.equals(delivered)) {
            return;
        }
        delivered = now;
        for (Consumer<TenantDirectory> follower : followers) {
            try {
                follower.accept(now);
            } catch (RuntimeException e) {
                // One follower's bug must not stop the others, nor look like an outage of the store.
                log.error("metadata store: a follower failed on directory version {}", now.version(), e);
            }
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
