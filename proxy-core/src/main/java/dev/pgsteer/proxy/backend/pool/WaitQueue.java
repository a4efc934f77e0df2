package dev.pgsteer.proxy.backend.pool;

import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The leases of a pool that wait: those waiting for a connection to come free, oldest first, each
 * failed with 53300 once its acquire timeout passes; and those asked for while the pool is paused,
 * held without a timeout until it resumes. The pool calls it under its own lock; a timeout, which
 * fires on a session's loop, takes only this queue's.
 */
final class WaitQueue {
    private final String poolName;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Leases asked for while the pool is paused: served, in order, when it resumes. */
    private final ArrayDeque<Waiter> held = new ArrayDeque<>();
    private final AtomicLong timeouts = new AtomicLong();

    WaitQueue(String poolName) {
        this.poolName = poolName;
    }

    /** A lease and the loop it was asked on. */
    static final class Waiter {
        final Promise<BackendConnection> leased;
        final EventLoop loop;
        private ScheduledFuture<?> timeout;

        Waiter(Promise<BackendConnection> leased, EventLoop loop) {
            this.leased = leased;
            this.loop = loop;
        }

        /** Hands {@code connection} over; false when the lease is over already (failed, cancelled), so the caller keeps it. */
        boolean serve(BackendConnection connection) {
            return leased.trySuccess(connection);
        }
    }

    /** {@code leased} waits for a connection to come free, at most {@code timeout}. */
    synchronized void waitFor(Promise<BackendConnection> leased, EventLoop loop, Duration timeout) {
        Waiter waiter = new Waiter(leased, loop);
        waiters.add(waiter);
        long millis = timeout.toMillis();
        waiter.timeout = loop.schedule(() -> expire(waiter, millis), millis, TimeUnit.MILLISECONDS);
    }

    /** The oldest waiter still waiting, taken out with its timeout cancelled; null when none is. */
    synchronized Waiter next() {
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            if (!waiter.leased.isDone()) {
                waiter.timeout.cancel(false);
                return waiter;
            }
        }
        return null;
    }

    synchronized boolean anyWaiting() {
        return !waiters.isEmpty();
    }

    synchronized int waiting() {
        return waiters.size();
    }

    /** {@code leased} was asked for while the pool is paused: it waits, without a timeout, for {@link #takeHeld}. */
    synchronized void hold(Promise<BackendConnection> leased, EventLoop loop) {
        held.add(new Waiter(leased, loop));
    }

    /** The leases held while paused, in order, taken out. */
    synchronized List<Waiter> takeHeld() {
        List<Waiter> all = new ArrayList<>(held);
        held.clear();
        return all;
    }

    /** The pool closed: every lease waiting or held fails with 57P01. */
    void failAll() {
        List<Waiter> all;
        synchronized (this) {
            all = new ArrayList<>(waiters);
            all.addAll(held);
            waiters.clear();
            held.clear();
        }
        all.forEach(w -> w.leased.tryFailure(new BackendUnavailableException(ProxyErrors.shuttingDown())));
    }

    long timeouts() {
        return timeouts.get();
    }

    private void expire(Waiter waiter, long timeoutMillis) {
        synchronized (this) {
            if (!waiters.remove(waiter)) {
                return;
            }
        }
        timeouts.incrementAndGet();
        waiter.leased.tryFailure(new BackendUnavailableException(ProxyErrors.poolTimeout(poolName, timeoutMillis)));
    }
}
