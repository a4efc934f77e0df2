package dev.pgsteer.proxy.backend.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import dev.pgsteer.proxy.testkit.FakeBackend;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a pool promises its sessions. A lease takes an idle connection of the session's own event loop,
 * else opens one while the pool is below its size, else waits, oldest first, up to the acquire timeout
 * (53300). PAUSE holds new leases without a timeout until RESUME. Maintenance closes connections past
 * their idle timeout (keeping min_idle) or their lifetime. A connection the pool knows is dead is never
 * handed out.
 *
 * <p>The sessions' loop is an EmbeddedChannel's with its clock frozen, so that acquire timeouts pass
 * when the test says; every connection lives on a loop of its own ({@link FakeBackend}).
 */
class BackendPoolTest {
    private static final BackendTarget TARGET = new BackendTarget("main", "127.0.0.1", 5432, "app", "secret", "appdb");
    private static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(5);

    private final EmbeddedChannel session = new EmbeddedChannel();
    private final EventLoop loop = session.eventLoop();
    private final FakeBackend backend = new FakeBackend();

    BackendPoolTest() {
        session.freezeTime();
    }

    @AfterEach
    void stop() {
        backend.close();
        session.finishAndReleaseAll();
    }

    private BackendPool pool(int size) {
        return pool(new PoolSettings(size, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)));
    }

    private BackendPool pool(PoolSettings settings) {
        return new BackendPool(TARGET, settings, backend);
    }

    // --- acquire and reuse ---

    @Test
    void aLeaseOfAnEmptyPoolOpensAConnection() {
        BackendPool pool = pool(2);
        Future<BackendConnection> leased = pool.acquire(loop);
        assertFalse(leased.isDone(), "connecting");
        BackendConnection connection = backend.accept();
        assertSame(connection, leased.getNow());
        assertEquals(new PoolStats("main/appdb/app", 1, 0, 0, 0, 1), pool.stats());
    }

    @Test
    void aReleasedConnectionIsLeasedAgainOnItsOwnLoopWithoutOpeningAnother() {
        BackendPool pool = pool(2);
        BackendConnection connection = leaseNew(pool);
        pool.release(connection);
        assertEquals(1, pool.stats().idle());

        assertSame(connection, pool.pollIdle(connection.eventLoop()), "taken at once, no promise");
        pool.release(connection);
        assertSame(connection, pool.acquire(connection.eventLoop()).getNow());
        assertEquals(0, backend.pendingConnects());
        assertEquals(1, pool.stats().opened());
    }

    @Test
    void belowItsSizeALeaseOnAnotherLoopOpensAConnectionRatherThanHopThreads() {
        BackendPool pool = pool(2);
        BackendConnection idle = leaseNew(pool);
        pool.release(idle);

        assertNull(pool.pollIdle(loop), "pollIdle never opens nor waits, and never crosses loops");
        Future<BackendConnection> leased = pool.acquire(loop);
        assertEquals(1, backend.pendingConnects(), "a connection of its own is opened");
        BackendConnection opened = backend.accept();
        assertSame(opened, leased.getNow());
        assertEquals(1, pool.stats().idle(), "the other loop's connection stays idle");
    }

    @Test
    void atItsSizeALeaseOnAnotherLoopTakesAnIdleConnectionRatherThanWait() {
        BackendPool pool = pool(1);
        BackendConnection idle = leaseNew(pool);
        pool.release(idle);

        assertSame(idle, pool.acquire(loop).getNow());
        assertEquals(0, backend.pendingConnects());
    }

    // --- waiting ---

    @Test
    void atItsSizeLeasesWaitAndEachReleasedConnectionGoesToTheOldestWaiter() {
        BackendPool pool = pool(1);
        BackendConnection connection = leaseNew(pool);
        Future<BackendConnection> first = pool.acquire(loop);
        Future<BackendConnection> second = pool.acquire(loop);
        assertEquals(0, backend.pendingConnects(), "no connection over the pool's size");
        assertEquals(2, pool.stats().waiting());

        pool.release(connection);
        assertSame(connection, first.getNow(), "handed over, never idle in between");
        assertFalse(second.isDone());
        pool.release(connection);
        assertSame(connection, second.getNow());
        assertEquals(new PoolStats("main/appdb/app", 1, 0, 0, 0, 1), pool.stats());
    }

    @Test
    void aWaiterNotServedWithinTheAcquireTimeoutFailsWith53300() {
        BackendPool pool = pool(1);
        leaseNew(pool);
        Future<BackendConnection> waiting = pool.acquire(loop);

        session.advanceTimeBy(ACQUIRE_TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        session.runScheduledPendingTasks();
        assertFalse(waiting.isDone());
        session.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        session.runScheduledPendingTasks();

        BackendUnavailableException timedOut = assertInstanceOf(BackendUnavailableException.class, waiting.cause());
        assertEquals(SqlState.TOO_MANY_CONNECTIONS.code(), timedOut.error().sqlState());
        assertEquals("no backend connection of pool \"main/appdb/app\" became free within 5000 ms", timedOut.error().message());
        assertEquals(new PoolStats("main/appdb/app", 1, 0, 0, 1, 1), pool.stats());
    }

    @Test
    void aWaiterServedInTimeIsNotFailedByItsTimeoutLater() {
        BackendPool pool = pool(1);
        BackendConnection connection = leaseNew(pool);
        Future<BackendConnection> waiting = pool.acquire(loop);
        pool.release(connection);

        session.advanceTimeBy(ACQUIRE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        session.runScheduledPendingTasks();
        assertTrue(waiting.isSuccess());
        assertEquals(0, pool.stats().acquireTimeouts());
    }

    // --- pause and resume ---

    @Test
    void whilePausedLeasesWaitWithoutATimeoutAndAreServedInOrderOnResume() {
        BackendPool pool = pool(2);
        BackendConnection idle = leaseNew(pool);
        pool.release(idle);

        pool.pause();
        assertNull(pool.pollIdle(idle.eventLoop()), "not even an idle connection is handed out");
        Future<BackendConnection> first = pool.acquire(idle.eventLoop());
        Future<BackendConnection> second = pool.acquire(loop);
        session.advanceTimeBy(ACQUIRE_TIMEOUT.toMillis() * 10, TimeUnit.MILLISECONDS);
        session.runScheduledPendingTasks();
        assertFalse(first.isDone());
        assertFalse(second.isDone());
        assertEquals(0, backend.pendingConnects());

        pool.resume();
        assertSame(idle, first.getNow(), "served first, with the idle connection of its loop");
        BackendConnection opened = backend.accept();
        assertSame(opened, second.getNow());
    }

    @Test
    void closingFailsTheLeasesHeldWhilePausedAndEveryLaterOne() {
        BackendPool pool = pool(1);
        pool.pause();
        Future<BackendConnection> held = pool.acquire(loop);

        pool.close();
        assertEquals(SqlState.ADMIN_SHUTDOWN.code(), ((BackendUnavailableException) held.cause()).error().sqlState());
        Future<BackendConnection> later = pool.acquire(loop);
        assertEquals(SqlState.ADMIN_SHUTDOWN.code(), ((BackendUnavailableException) later.cause()).error().sqlState());
    }

    @Test
    void aConnectionReleasedToAClosedPoolIsClosed() {
        BackendPool pool = pool(1);
        BackendConnection connection = leaseNew(pool);
        pool.close();
        pool.release(connection);
        assertFalse(connection.channel().isOpen());
        assertEquals(0, pool.stats().total());
    }

    // --- the global budget ---

    @Test
    void atTheGlobalCapALeaseClosesTheIdleConnectionOfAnotherPoolToOpenItsOwn() {
        PoolRegistry registry = new PoolRegistry(backend, 1);
        PoolSettings settings = new PoolSettings(5, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1));
        BackendPool orders = registry.poolFor(TARGET, settings);
        BackendPool billing = registry.poolFor(new BackendTarget("main", "127.0.0.1", 5432, "app", "secret", "billing"), settings);
        BackendConnection ordersIdle = leaseNew(orders);
        orders.release(ordersIdle);

        Future<BackendConnection> leased = billing.acquire(loop);
        assertFalse(ordersIdle.channel().isOpen(), "the other pool's idle connection made room");
        assertEquals(0, orders.stats().total());
        BackendConnection opened = backend.accept();
        assertSame(opened, leased.getNow());
        assertEquals(1, registry.budget().used());
    }

    @Test
    void atTheGlobalCapWithNothingIdleElsewhereALeaseWaits() {
        PoolRegistry registry = new PoolRegistry(backend, 1);
        PoolSettings settings = new PoolSettings(5, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1));
        BackendPool orders = registry.poolFor(TARGET, settings);
        BackendPool billing = registry.poolFor(new BackendTarget("main", "127.0.0.1", 5432, "app", "secret", "billing"), settings);
        BackendConnection held = leaseNew(orders);

        Future<BackendConnection> leased = billing.acquire(loop);
        assertEquals(0, backend.pendingConnects());
        assertEquals(1, billing.stats().waiting());
        orders.discard(held);
        assertFalse(held.channel().isOpen());
        assertEquals(0, registry.budget().used(), "no one waits on orders: its permit goes back to the cap");
    }

    // --- maintenance ---

    @Test
    void maintenanceClosesConnectionsIdlePastTheIdleTimeoutButKeepsMinIdle() throws InterruptedException {
        BackendPool pool = pool(new PoolSettings(3, 1, ACQUIRE_TIMEOUT, Duration.ofNanos(1), Duration.ofHours(1)));
        Future<BackendConnection> a = pool.acquire(loop);
        Future<BackendConnection> b = pool.acquire(loop);
        BackendConnection older = backend.accept();
        BackendConnection newer = backend.accept();
        pool.release(older);
        Thread.sleep(1);
        pool.release(newer);
        Thread.sleep(1);

        pool.maintain(loop);
        assertFalse(older.channel().isOpen(), "idle longest: closed");
        assertTrue(newer.channel().isOpen(), "kept as the pool's min_idle");
        assertEquals(new PoolStats("main/appdb/app", 1, 1, 0, 0, 2), pool.stats());
        assertSame(older, a.getNow());
        assertSame(newer, b.getNow());
    }

    @Test
    void maintenanceOpensConnectionsUpToMinIdle() {
        BackendPool pool = pool(new PoolSettings(3, 2, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)));
        pool.maintain(loop);
        assertEquals(2, backend.pendingConnects());
        backend.accept();
        backend.accept();
        assertEquals(new PoolStats("main/appdb/app", 2, 2, 0, 0, 2), pool.stats());

        pool.maintain(loop);
        assertEquals(0, backend.pendingConnects(), "min_idle is there");
    }

    @Test
    void aConnectionPastItsLifetimeIsClosedWhenReleasedInsteadOfKept() throws InterruptedException {
        BackendPool pool = pool(new PoolSettings(1, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofNanos(1)));
        BackendConnection old = leaseNew(pool);
        Thread.sleep(1);
        pool.release(old);
        assertFalse(old.channel().isOpen());
        assertEquals(0, pool.stats().total());
    }

    @Test
    void maintenanceClosesAnIdleConnectionPastItsLifetimeEvenUnderMinIdle() throws InterruptedException {
        BackendPool pool = pool(new PoolSettings(1, 1, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)));
        BackendConnection old = leaseNew(pool);
        pool.release(old);
        pool.reconfigure(new PoolSettings(1, 1, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofNanos(1)));
        Thread.sleep(1);

        pool.maintain(loop);
        assertFalse(old.channel().isOpen());
        assertEquals(1, backend.pendingConnects(), "and opens a fresh one for min_idle");
    }

    @Test
    void anIdleConnectionUnheardFromForAWhileIsAskedAnEmptyQueryBeforeAnyoneLeasesIt() {
        BackendPool pool = checkingAtOnce(1);
        BackendConnection connection = leaseNew(pool);
        pool.release(connection);

        pool.maintain(loop);
        assertNull(pool.pollIdle(connection.eventLoop()), "out of the idle ones while it is checked");
        Future<BackendConnection> waiting = pool.acquire(loop);
        assertFalse(waiting.isDone());
        backend.answerEmptyQuery(connection);
        assertSame(connection, waiting.getNow(), "it answered: the waiter gets it");
        pool.release(connection);

        pool.maintain(loop);
        backend.answerEmptyQuery(connection);
        assertEquals(new PoolStats("main/appdb/app", 1, 1, 0, 0, 1), pool.stats());
    }

    @Test
    void aConnectionThatDiesDuringItsHealthCheckLeavesThePool() {
        BackendPool pool = checkingAtOnce(1);
        BackendConnection connection = leaseNew(pool);
        pool.release(connection);

        pool.maintain(loop);
        ((EmbeddedChannel) connection.channel()).runPendingTasks();
        connection.channel().close();
        assertEquals(0, pool.stats().total());
    }

    private BackendPool checkingAtOnce(int size) {
        return new BackendPool(TARGET, new PoolSettings(size, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)),
                backend, ConnectionBudget.unlimited(), 0);
    }

    // --- reload ---

    @Test
    void aReloadThatGrowsThePoolServesWaitersAtOnceEachWithAPermitOfTheGlobalCap() {
        PoolRegistry registry = new PoolRegistry(backend, 2);
        BackendPool pool = registry.poolFor(TARGET, new PoolSettings(1, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)));
        leaseNew(pool);
        Future<BackendConnection> first = pool.acquire(loop);
        Future<BackendConnection> second = pool.acquire(loop);

        pool.reconfigure(new PoolSettings(5, 0, ACQUIRE_TIMEOUT, Duration.ofMinutes(10), Duration.ofHours(1)));
        assertEquals(1, backend.pendingConnects(), "one permit of the cap was left: one waiter is served");
        assertEquals(2, registry.budget().used());
        assertSame(backend.accept(), first.getNow());
        assertFalse(second.isDone());
    }

    // --- dead connections ---

    @Test
    void anIdleConnectionThatDiedIsNeverHandedOut() {
        BackendPool pool = pool(1);
        BackendConnection dead = leaseNew(pool);
        pool.release(dead);
        dead.channel().close();

        assertNull(pool.pollIdle(dead.eventLoop()));
        Future<BackendConnection> leased = pool.acquire(dead.eventLoop());
        BackendConnection fresh = backend.accept();
        assertNotSame(dead, fresh);
        assertSame(fresh, leased.getNow());
    }

    @Test
    void aConnectionReleasedDeadIsClosedAndItsSlotGoesToTheOldestWaiter() {
        BackendPool pool = pool(1);
        BackendConnection dying = leaseNew(pool);
        Future<BackendConnection> waiting = pool.acquire(loop);
        dying.close();

        pool.release(dying);
        assertFalse(waiting.isDone(), "not given the dead one");
        BackendConnection fresh = backend.accept();
        assertSame(fresh, waiting.getNow());
        assertEquals(1, pool.stats().total());
    }

    private BackendConnection leaseNew(BackendPool pool) {
        Future<BackendConnection> leased = pool.acquire(loop);
        BackendConnection connection = backend.accept();
        assertSame(connection, leased.getNow());
        return connection;
    }
}
