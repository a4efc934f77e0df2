package dev.pgsteer.proxy.backend.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.testkit.FakeBackend;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Idle connections, the one released last first; a lease prefers its own loop; dead ones are handed back to be uncounted. */
class IdleConnectionsTest {
    private static final BackendTarget TARGET = new BackendTarget("main", "127.0.0.1", 5432, "app", "secret", "appdb");

    private final FakeBackend backend = new FakeBackend();
    private final EmbeddedChannel session = new EmbeddedChannel();
    private final IdleConnections idle = new IdleConnections();
    private final List<BackendConnection> stale = new ArrayList<>();

    @AfterEach
    void stop() {
        backend.close();
        session.finishAndReleaseAll();
    }

    private BackendConnection connection() {
        backend.connect(TARGET, session.eventLoop());
        return backend.accept();
    }

    @Test
    void aLeaseGetsTheConnectionOfItsOwnLoopOnly() {
        BackendConnection a = connection();
        BackendConnection b = connection();
        idle.released(a);
        idle.released(b);

        assertSame(a, idle.takeOf(a.eventLoop(), stale));
        assertNull(idle.takeOf(session.eventLoop(), stale));
        assertEquals(1, idle.size());
        assertEquals(List.of(), stale);
    }

    @Test
    void deadConnectionsMetOnTheWayAreTakenOutForTheCallerToUncount() {
        BackendConnection dead = connection();
        BackendConnection alive = connection();
        idle.released(alive);
        idle.released(dead);
        dead.close();

        EventLoop elsewhere = session.eventLoop();
        assertNull(idle.takeOf(elsewhere, stale));
        assertEquals(List.of(dead), stale);
        assertSame(alive, idle.takeAny(stale), "any loop's, when the pool is full");
        assertEquals(0, idle.size());
    }

    @Test
    void releasedConnectionsGoFirstCheckedOnesLastAndTheOldestIsTheLast() {
        BackendConnection checked = connection();
        BackendConnection older = connection();
        BackendConnection newer = connection();
        idle.released(older);
        idle.released(newer);
        idle.checked(checked);

        assertSame(newer, idle.takeAny(stale));
        assertSame(checked, idle.takeOldest());
        assertSame(older, idle.takeOldest());
        assertNull(idle.takeOldest());
        assertEquals(-1, idle.longestIdleNanos());
    }
}
