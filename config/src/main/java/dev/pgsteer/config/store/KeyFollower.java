package dev.pgsteer.config.store;

import dev.pgsteer.config.store.KeyDirectoryStore.KeyAssignment;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the key directory, which is too big to reload whole: on a notification its {@link
 * ListenLoop} reads the rows above the version this follower last saw and hands them on, so a bulk
 * assignment of many keys costs one read. After an outage it reads from where it stopped: the changes
 * made meanwhile come in order, none lost.
 */
final class KeyFollower implements ListenLoop.Reader {

    static final String THREAD_NAME = "pgsteer-key-directory-listener";
    private static final Logger log = LoggerFactory.getLogger(KeyFollower.class);

    private final PostgresKeyDirectory directory;
    private final List<Consumer<List<KeyAssignment>>> followers = new CopyOnWriteArrayList<>();
    private final ListenLoop loop;
    private volatile long seen;

    /** {@code seen}: the version whose changes the followers already have. */
    KeyFollower(ListenLoop.Connector connector, PostgresKeyDirectory directory, StoreHealth health, String where, long seen) {
        this.directory = directory;
        this.seen = seen;
        this.loop = new ListenLoop(THREAD_NAME, connector, this, false, health, where);
    }

    void add(Consumer<List<KeyAssignment>> follower) {
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
        directory.listen(connection);
    }

    /**
     * Reads and delivers every change above {@link #seen}, in one read: the rows of one version (a bulk
     * assignment) must all come before the version counts as seen, so no page may cut them. Missed
     * notifications lose nothing here, so an outage needs no more than this.
     */
    @Override
    public void read(Connection connection, boolean afterOutage) throws SQLException {
        List<KeyAssignment> changes = directory.changesAfter(connection, seen);
        if (changes.isEmpty()) {
            return;
        }
        for (Consumer<List<KeyAssignment>> follower : followers) {
            try {
                follower.accept(changes);
            } catch (RuntimeException e) {
                log.error("key directory: a follower failed on changes up to version {}", changes.getLast().version(), e);
            }
        }
        seen = changes.getLast().version();
    }

    @Override
    public String serving() {
        return "the keys cached (key directory version " + seen + ")";
    }

    @Override
    public String readAgain() {
        return "key directory read up to version " + seen;
    }
}
