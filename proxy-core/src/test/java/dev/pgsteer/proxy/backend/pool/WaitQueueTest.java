package dev.pgsteer.proxy.backend.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Waiters are served oldest first and fail with 53300 at their timeout; leases held while paused wait without one. */
class WaitQueueTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final EmbeddedChannel session = new EmbeddedChannel();
    private final EventLoop loop = session.eventLoop();
    private final WaitQueue queue = new WaitQueue("main/appdb/app");

    WaitQueueTest() {
        session.freezeTime();
    }

    @AfterEach
    void stop() {
        session.finishAndReleaseAll();
    }

    @Test
    void theOldestStillWaitingIsNextAndItsTimeoutNoLongerFires() {
        Promise<BackendConnection> first = loop.newPromise();
        Promise<BackendConnection> cancelled = loop.newPromise();
        Promise<BackendConnection> second = loop.newPromise();
        queue.waitFor(first, loop, TIMEOUT);
        queue.waitFor(cancelled, loop, TIMEOUT);
        queue.waitFor(second, loop, TIMEOUT);
        cancelled.cancel(false);

        assertSame(first, queue.next().leased);
        assertSame(second, queue.next().leased, "a lease already over is skipped");
        assertNull(queue.next());
        passTimeout();
        assertFalse(first.isDone());
        assertEquals(0, queue.timeouts());
    }

    @Test
    void aWaiterLeftAtItsTimeoutFailsWith53300AndIsCounted() {
        Promise<BackendConnection> leased = loop.newPromise();
        queue.waitFor(leased, loop, TIMEOUT);
        passTimeout();

        BackendUnavailableException timedOut = (BackendUnavailableException) leased.cause();
        assertEquals(SqlState.TOO_MANY_CONNECTIONS.code(), timedOut.error().sqlState());
        assertEquals(1, queue.timeouts());
        assertEquals(0, queue.waiting());
        assertFalse(queue.anyWaiting());
    }

    @Test
    void leasesHeldWhilePausedHaveNoTimeoutAndComeOutInOrder() {
        Promise<BackendConnection> first = loop.newPromise();
        Promise<BackendConnection> second = loop.newPromise();
        queue.hold(first, loop);
        queue.hold(second, loop);
        passTimeout();
        assertFalse(first.isDone());
        assertEquals(0, queue.waiting(), "held leases are not waiters");

        List<WaitQueue.Waiter> held = queue.takeHeld();
        assertEquals(List.of(first, second), held.stream().map(w -> w.leased).toList());
        assertTrue(queue.takeHeld().isEmpty());
    }

    @Test
    void failAllFailsWaitersAndHeldLeasesWith57P01() {
        Promise<BackendConnection> waiting = loop.newPromise();
        Promise<BackendConnection> held = loop.newPromise();
        queue.waitFor(waiting, loop, TIMEOUT);
        queue.hold(held, loop);

        queue.failAll();
        for (Promise<BackendConnection> lease : List.of(waiting, held)) {
            assertEquals(SqlState.ADMIN_SHUTDOWN.code(), ((BackendUnavailableException) lease.cause()).error().sqlState());
        }
        assertNull(queue.next());
    }

    private void passTimeout() {
        session.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        session.runScheduledPendingTasks();
    }
}
