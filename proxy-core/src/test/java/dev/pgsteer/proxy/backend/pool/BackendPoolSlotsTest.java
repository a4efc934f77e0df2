package dev.pgsteer.proxy.backend.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import dev.pgsteer.proxy.testkit.FakeBackend;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A pool's slots come free and go on to whoever waits: a connect that failed hands its slot to the
 * next waiter, who tries at once, and an idle connection whose backend went away leaves the pool at
 * once, so the next lease opens a new one instead of getting a dead one.
 */
class BackendPoolSlotsTest {
    private static final BackendTarget TARGET = new BackendTarget("main", "127.0.0.1", 5432, "app", "secret", "appdb");
    /** Long enough that a waiter served within the test was served by a slot handed on, not by its timeout. */
    private static final Duration ACQUIRE_TIMEOUT = Duration.ofMinutes(1);

    /** The sessions' event loop: an EmbeddedChannel's, so that promises complete on the test's thread. */
    private final EventLoop loop = new EmbeddedChannel().eventLoop();
    private final FakeBackend connector = new FakeBackend();
    private final BackendPool pool = new BackendPool(TARGET,
            new PoolSettings(1, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)), connector);

    @AfterEach
    void stop() {
        connector.close();
    }

    @Test
    void aFailedConnectHandsItsSlotToTheNextWaiterWhoFailsFastToo() throws Exception {
        Future<BackendConnection> first = pool.acquire(loop);
        Future<BackendConnection> second = pool.acquire(loop);
        assertEquals(1, connector.pendingConnects(), "the second waits: the pool's one slot is taken");

        connector.refuse();
        assertEquals("08006", ((BackendUnavailableException) first.await().cause()).error().sqlState());
        connector.refuse();
        assertTrue(second.await(5, TimeUnit.SECONDS), "the waiter's own connect failed: no acquire timeout waited out");
        assertEquals("08006", ((BackendUnavailableException) second.cause()).error().sqlState());
        assertEquals(0, pool.stats().total());
    }

    @Test
    void aFailedConnectHandsItsSlotToTheNextWaiterWhoIsServedOnceTheBackendIsBack() throws Exception {
        Future<BackendConnection> first = pool.acquire(loop);
        Future<BackendConnection> second = pool.acquire(loop);
        connector.refuse();
        first.await();
        BackendConnection fresh = connector.accept();
        assertSame(fresh, second.get(5, TimeUnit.SECONDS));
        assertEquals(1, pool.stats().total());
    }

    @Test
    void anIdleConnectionWhoseSocketClosesLeavesThePoolAtOnce() throws Exception {
        BackendConnection idle = leaseAndRelease();
        assertEquals(1, pool.stats().idle());

        idle.channel().close();
        assertEquals(0, pool.stats().idle(), "gone from the pool as its socket closed");
        assertEquals(0, pool.stats().total());

        Future<BackendConnection> next = pool.acquire(loop);
        connector.accept();
        assertNotSame(idle, next.get(5, TimeUnit.SECONDS));
    }

    @Test
    void theSlotOfALeasedConnectionThatDiedGoesToAWaiter() throws Exception {
        Future<BackendConnection> first = pool.acquire(loop);
        BackendConnection held = connector.accept();
        assertSame(held, first.get(5, TimeUnit.SECONDS));
        Future<BackendConnection> waiting = pool.acquire(loop);
        assertFalse(waiting.isDone());

        // The held one dies under its session, which gives it back: the waiter gets a new one, not it.
        held.channel().close();
        pool.discard(held);
        BackendConnection fresh = connector.accept();
        assertSame(fresh, waiting.get(5, TimeUnit.SECONDS));
    }

    @Test
    void connectionsAReloadMakesSurplusGiveTheirPermitsOfTheGlobalCapBack() throws Exception {
        ConnectionBudget budget = new ConnectionBudget(10, List::of);
        BackendPool capped = new BackendPool(TARGET,
                new PoolSettings(2, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)), connector, budget);
        BackendConnection[] held = new BackendConnection[2];
        for (int i = 0; i < 2; i++) {
            Future<BackendConnection> leased = capped.acquire(loop);
            held[i] = connector.accept();
            assertSame(held[i], leased.get(5, TimeUnit.SECONDS));
        }
        capped.release(held[0]);
        assertEquals(2, budget.used());

        capped.reconfigure(new PoolSettings(1, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)));
        assertEquals(1, budget.used(), "the idle one over the new size is closed, and its permit is free");
        capped.release(held[1]);
        assertEquals(1, budget.used(), "the leased one is kept: the pool's one connection now");
        assertEquals(1, capped.stats().total());
    }

    private BackendConnection leaseAndRelease() throws Exception {
        Future<BackendConnection> leased = pool.acquire(loop);
        BackendConnection connection = connector.accept();
        assertSame(connection, leased.get(5, TimeUnit.SECONDS));
        pool.release(connection);
        return connection;
    }
}
