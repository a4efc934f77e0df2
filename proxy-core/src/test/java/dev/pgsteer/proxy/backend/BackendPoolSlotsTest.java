package dev.pgsteer.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.proxy.ProxyErrors;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
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

    private final EventLoop loop = new DefaultEventLoop();
    private final FakeConnector connector = new FakeConnector();
    private final BackendPool pool = new BackendPool(TARGET,
            new PoolSettings(1, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)), connector);

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Test
    void aFailedConnectHandsItsSlotToTheNextWaiterWhoFailsFastToo() throws Exception {
        Future<BackendConnection> first = pool.acquire(loop);
        Future<BackendConnection> second = pool.acquire(loop);
        Promise<BackendConnection> firstConnect = connector.next();
        assertNull(connector.attempts.peek(), "the second waits: the pool's one slot is taken");

        firstConnect.setFailure(refused());
        assertEquals("08006", ((BackendUnavailableException) first.await().cause()).error().sqlState());
        Promise<BackendConnection> secondConnect = connector.next();
        secondConnect.setFailure(refused());
        assertTrue(second.await(5, TimeUnit.SECONDS), "the waiter's own connect failed: no acquire timeout waited out");
        assertEquals("08006", ((BackendUnavailableException) second.cause()).error().sqlState());
        assertEquals(0, pool.stats().total());
    }

    @Test
    void aFailedConnectHandsItsSlotToTheNextWaiterWhoIsServedOnceTheBackendIsBack() throws Exception {
        Future<BackendConnection> first = pool.acquire(loop);
        Future<BackendConnection> second = pool.acquire(loop);
        connector.next().setFailure(refused());
        first.await();
        EmbeddedChannel channel = new EmbeddedChannel();
        BackendConnection fresh = new BackendConnection(channel, TARGET, 10);
        connector.next().setSuccess(fresh);
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
        BackendConnection fresh = new BackendConnection(new EmbeddedChannel(), TARGET, 10);
        connector.next().setSuccess(fresh);
        assertNotSame(idle, next.get(5, TimeUnit.SECONDS));
    }

    @Test
    void theSlotOfALeasedConnectionThatDiedGoesToAWaiter() throws Exception {
        Future<BackendConnection> first = pool.acquire(loop);
        BackendConnection held = new BackendConnection(new EmbeddedChannel(), TARGET, 10);
        connector.next().setSuccess(held);
        assertSame(held, first.get(5, TimeUnit.SECONDS));
        Future<BackendConnection> waiting = pool.acquire(loop);
        assertFalse(waiting.isDone());

        // The held one dies under its session, which gives it back: the waiter gets a new one, not it.
        held.channel().close();
        pool.discard(held);
        BackendConnection fresh = new BackendConnection(new EmbeddedChannel(), TARGET, 10);
        connector.next().setSuccess(fresh);
        assertSame(fresh, waiting.get(5, TimeUnit.SECONDS));
    }

    @Test
    void connectionsAReloadMakesSurplusGiveTheirPermitsOfTheGlobalCapBack() throws Exception {
        ConnectionBudget budget = new ConnectionBudget(10, java.util.List::of);
        BackendPool capped = new BackendPool(TARGET,
                new PoolSettings(2, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)), connector, budget);
        BackendConnection[] held = new BackendConnection[2];
        for (int i = 0; i < 2; i++) {
            Future<BackendConnection> leased = capped.acquire(loop);
            held[i] = new BackendConnection(new EmbeddedChannel(), TARGET, 10);
            held[i].loginDone();
            connector.next().setSuccess(held[i]);
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
        BackendConnection connection = new BackendConnection(new EmbeddedChannel(), TARGET, 10);
        connection.loginDone();
        connector.next().setSuccess(connection);
        assertSame(connection, leased.get(5, TimeUnit.SECONDS));
        pool.release(connection);
        return connection;
    }

    private static BackendUnavailableException refused() {
        return new BackendUnavailableException(ProxyErrors.backendUnavailable(ErrorResponse.Severity.ERROR, "main",
                "Connection refused (127.0.0.1:5432)"));
    }

    /** Each connect is a promise the test completes, as the backend would answer. */
    private final class FakeConnector extends BackendConnector {
        final ConcurrentLinkedQueue<Promise<BackendConnection>> attempts = new ConcurrentLinkedQueue<>();

        FakeConnector() {
            super(Duration.ofSeconds(1), NioSocketChannel.class, 10);
        }

        @Override
        public Future<BackendConnection> connect(BackendTarget target, EventLoop on) {
            Promise<BackendConnection> attempt = loop.newPromise();
            attempts.add(attempt);
            return attempt;
        }

        Promise<BackendConnection> next() throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            Promise<BackendConnection> attempt;
            while ((attempt = attempts.poll()) == null) {
                assertTrue(System.nanoTime() < until, "the pool opened no connection");
                Thread.sleep(5);
            }
            return attempt;
        }
    }
}
