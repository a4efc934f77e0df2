package dev.pgsteer.config.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener thread for one kind of the store's state (the bucket maps): one connection of its own,
 * outside the pool (which would recycle it and lose the LISTEN), waits for notifications, and on any
 * of them reloads the whole state and hands it to the followers. The same loop as the tenant
 * directory's {@link DirectoryFollower}:
 *
 * <pre>
 *   CONNECTING ── LISTEN, load, deliver if changed ──► LISTENING ── notification ──► load, deliver
 *       ▲                                                  │
 *       └── backoff 100 ms .. 2 s ◄── connection broken ───┘   (WARN once; INFO when back)
 * </pre>
 *
 * After an outage the state is reloaded and delivered even if it looks unchanged: changes made
 * meanwhile sent notifications nobody heard.
 */
final class StoreFollower<T> implements Runnable {

    /** Opens the listener's connection. */
    @FunctionalInterface
    interface Connector {
        Connection open() throws SQLException;
    }

    /** Reads the state, or LISTENs, on the listener's connection. */
    @FunctionalInterface
    interface OnConnection<R> {
        R on(Connection connection) throws SQLException;
    }

    private static final Logger log = LoggerFactory.getLogger(StoreFollower.class);

    private final String what;
    private final Connector connector;
    private final OnConnection<Void> listen;
    private final OnConnection<T> load;
    private final Function<T, String> describe;
    private final StoreHealth health;
    private final String where;
    private final List<Consumer<T>> followers = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private T delivered;

    /**
     * {@code what}: the state's name for logs and the thread ("bucket maps"); {@code known}: the state
     * the followers have already, not delivered again unless it changes.
     */
    StoreFollower(String what, Connector connector, OnConnection<Void> listen, OnConnection<T> load,
                  Function<T, String> describe, StoreHealth health, String where, T known) {
        this.what = what;
        this.connector = connector;
        this.listen = listen;
        this.load = load;
        this.describe = describe;
        this.health = health;
        this.where = where;
        this.delivered = Objects.requireNonNull(known, "known");
        this.thread = Thread.ofPlatform().name("pgsteer-" + what.replace(' ', '-') + "-listener").daemon(true).unstarted(this);
    }

    void add(Consumer<T> follower) {
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
                    listen.on(connection);
                    // LISTEN first, then load: a change committed in between is in the load or notified.
                    T now = load.on(connection);
                    if (outage) {
                        log.info("metadata store reachable again: {}; {} reloaded ({})", where, what, describe.apply(now));
                    }
                    deliver(now, outage);
                    outage = false;
                    backoff = DirectoryFollower.MIN_BACKOFF;
                    lastContact = System.nanoTime();
                }
                PGConnection listening = connection.unwrap(PGConnection.class);
                if (any(listening.getNotifications((int) DirectoryFollower.POLL.toMillis()))) {
                    // Coalesce a burst into one load, for at most MAX_SETTLE: a change is wanted everywhere within a second.
                    long until = System.nanoTime() + DirectoryFollower.MAX_SETTLE.toNanos();
                    while (System.nanoTime() < until && any(listening.getNotifications((int) DirectoryFollower.SETTLE.toMillis()))) {
                        // drained
                    }
                    deliver(load.on(connection), false);
                    lastContact = System.nanoTime();
                } else if (System.nanoTime() - lastContact > DirectoryFollower.HEARTBEAT.toNanos()) {
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
                    log.warn("metadata store unreachable: {}: {}; serving the last {} ({}), retrying", where,
                            StoreHealth.reason(e), what, describe.apply(delivered));
                    outage = true;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(DirectoryFollower.MAX_BACKOFF) > 0
                        ? DirectoryFollower.MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        close(connection);
    }

    private static boolean any(PGNotification[] notifications) {
        return notifications != null && notifications.length > 0;
    }

    private void deliver(T now, boolean always) {
        if (!always && now.equals(delivered)) {
            return;
        }
        delivered = now;
        for (Consumer<T> follower : followers) {
            try {
                follower.accept(now);
            } catch (RuntimeException e) {
                log.error("metadata store: a follower of the {} failed on {}", what, describe.apply(now), e);
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
