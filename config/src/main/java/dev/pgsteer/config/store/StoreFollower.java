package dev.pgsteer.config.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a kind of the store's state that is read whole (the tenant directory, the bucket maps): on
 * any notification its {@link ListenLoop} reloads it, and the followers get it when it differs from
 * what they have (after an outage, always: changes made meanwhile sent notifications nobody heard).
 * A burst of changes costs one reload.
 */
final class StoreFollower<T> implements ListenLoop.Reader {

    /** Reads the state, or LISTENs, on the listener's connection. */
    @FunctionalInterface
    interface OnConnection<R> {
        R on(Connection connection) throws SQLException;
    }

    private static final Logger log = LoggerFactory.getLogger(StoreFollower.class);

    private final String what;
    private final OnConnection<Void> listen;
    private final OnConnection<T> load;
    private final Function<T, String> describe;
    private final List<Consumer<T>> followers = new CopyOnWriteArrayList<>();
    private final ListenLoop loop;
    private volatile T delivered;

    /**
     * {@code what}: the state's name for logs ("bucket maps"); {@code threadName}: the listener
     * thread's; {@code known}: the state the followers have already (null: none), not delivered again unless it changes.
     */
    StoreFollower(String what, String threadName, ListenLoop.Connector connector, OnConnection<Void> listen,
                  OnConnection<T> load, Function<T, String> describe, StoreHealth health, String where, T known) {
        this(what, threadName, connector, listen, load, describe, health, where, known, true);
    }

    /**
     * {@code settle}: coalesce a burst of notifications into one reload (state that changes in bursts:
     * a script creating tenants); false where each change must arrive at once (a move's cutover, which
     * holds writes until every instance has followed it).
     */
    StoreFollower(String what, String threadName, ListenLoop.Connector connector, OnConnection<Void> listen,
                  OnConnection<T> load, Function<T, String> describe, StoreHealth health, String where, T known, boolean settle) {
        this.what = what;
        this.listen = listen;
        this.load = load;
        this.describe = describe;
        this.delivered = known;
        this.loop = new ListenLoop(threadName, connector, this, settle, health, where);
    }

    void add(Consumer<T> follower) {
        followers.add(follower);
    }

    void start() {
        loop.start();
    }

    void stop() {
        loop.stop();
    }

    @Override
    public void listen(Connection connection) throws SQLException {
        listen.on(connection);
    }

    @Override
    public void read(Connection connection, boolean afterOutage) throws SQLException {
        T now = load.on(connection);
        if (!afterOutage && now.equals(delivered)) {
            return;
        }
        delivered = now;
        for (Consumer<T> follower : followers) {
            try {
                follower.accept(now);
            } catch (RuntimeException e) {
                // One follower's bug must not stop the others, nor look like an outage of the store.
                log.error("metadata store: a follower of the {} failed on {}", what, describe.apply(now), e);
            }
        }
    }

    @Override
    public String serving() {
        T last = delivered;
        return last == null ? "no " + what + " yet" : "the last " + what + " (" + describe.apply(last) + ")";
    }

    @Override
    public String readAgain() {
        return what + " reloaded (" + describe.apply(delivered) + ")";
    }
}
