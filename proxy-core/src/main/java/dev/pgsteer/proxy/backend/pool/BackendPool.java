package dev.pgsteer.proxy.backend.pool;

import dev.pgsteer.proxy.ProxyErrors;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendConnector;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.BackendUnavailableException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connections of one (backend, database, user). A lease prefers an idle connection on the
 * caller's own event loop, so that relaying never hops threads; it opens a new one on that loop
 * while the pool is below its size, and otherwise waits, up to the acquire timeout.
 *
 * <p>The lock guards only the bookkeeping; connecting, handing over and closing happen outside it,
 * because completing a promise runs its listeners, which may come straight back into the pool.
 *
 * <p>A slot of the pool (a permit of its size and of the global budget) that comes free while
 * sessions wait is handed to the first of them, who opens a connection with it: whether the slot was
 * freed by a connection closed, or by a connect that failed. So while the backend is down each waiter
 * tries in turn and fails fast with the connect's error, rather than waiting out the acquire timeout,
 * and once it is back the first session served gets a new connection at once. An idle connection
 * whose socket closes leaves the pool at once: the pool never hands out one it knows is dead.
 */
public final class BackendPool {
    /** An idle connection unheard from this long is asked an empty query before anyone leases it. */
    private static final long HEALTH_CHECK_AFTER_NANOS = TimeUnit.SECONDS.toNanos(30);
    private final BackendTarget target;
    /** Replaced by a reload; read under the lock or once per decision. */
    private volatile PoolSettings settings;
    private final BackendConnector connector;
    private final ConnectionBudget budget;
    private volatile PoolLabel label;

    private final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Leases asked for while the pool is paused: served, in order, when it resumes. */
    private final ArrayDeque<Waiter> held = new ArrayDeque<>();
    private boolean paused;
    /** Connections open or opening, leased or idle. */
    private int total;
    private boolean closed;
    private final AtomicLong timeouts = new AtomicLong();
    /** Connections opened since start, for the admin console. */
    private final AtomicLong opened = new AtomicLong();

    public BackendPool(BackendTarget target, PoolSettings settings, BackendConnector connector) {
        this(target, settings, connector, ConnectionBudget.unlimited());
    }

    public BackendPool(BackendTarget target, PoolSettings settings, BackendConnector connector, ConnectionBudget budget) {
        this.target = target;
        this.settings = settings;
        this.connector = connector;
        this.budget = budget;
        this.label = PoolLabel.of(target);
    }

    /** How the pool's meters are tagged: its backend database, or, for a tenant's pool, the logical database and the tenant mode. */
    public PoolLabel label() {
        return label;
    }

    void label(PoolLabel label) {
        this.label = label;
    }

    public BackendTarget target() {
        return target;
    }

    public BackendConnector connector() {
        return connector;
    }

    public PoolSettings settings() {
        return settings;
    }

    /**
     * A reload changed this pool's settings: they hold for the next leases, idle checks and
     * releases. A larger size serves waiting sessions at once; a smaller one closes idle connections
     * now and the others as they come back, never one in use.
     */
    public void reconfigure(PoolSettings newSettings) {
        List<Waiter> served = new ArrayList<>();
        List<BackendConnection> surplus = new ArrayList<>();
        synchronized (this) {
            settings = newSettings;
            Waiter waiter;
            while (!closed && total < newSettings.maxSize() && (waiter = nextWaiter()) != null) {
                total++;
                served.add(waiter);
            }
            while (total > newSettings.maxSize() && !idle.isEmpty()) {
                surplus.add(idle.pollLast());
                total--;
            }
        }
        surplus.forEach(BackendConnection::close);
        // Their permits of the global cap go back with them, as every other close's does.
        budget.release(surplus.size());
        served.forEach(waiter -> openFor(waiter.leased, waiter.loop));
    }

    /**
     * An idle connection of {@code loop}, taken at once, or null when there is none (then
     * {@link #acquire} opens one or waits). The lease of nearly every transaction: it costs no promise
     * and no listener.
     */
    public BackendConnection pollIdle(EventLoop loop) {
        List<BackendConnection> stale = new ArrayList<>(0);
        BackendConnection ready;
        synchronized (this) {
            if (closed || paused) {
                return null;
            }
            ready = takeIdleOf(loop, stale);
        }
        if (!stale.isEmpty()) {
            closeStale(stale);
        }
        return ready;
    }

    public Future<BackendConnection> acquire(EventLoop loop) {
        Promise<BackendConnection> leased = loop.newPromise();
        List<BackendConnection> stale = new ArrayList<>();
        BackendConnection ready = null;
        boolean open = false;
        boolean overBudget = false;
        synchronized (this) {
            if (closed) {
                leased.setFailure(new BackendUnavailableException(ProxyErrors.shuttingDown()));
                return leased;
            }
            if (paused) {
                held.add(new Waiter(leased, loop));
                return leased;
            }
            ready = takeIdle(loop, stale);
            if (ready == null && total < settings.maxSize() && budget.tryTake()) {
                total++;
                open = true;
            } else if (ready == null) {
                overBudget = total < settings.maxSize();
                Waiter waiter = new Waiter(leased, loop);
                waiters.add(waiter);
                long timeout = settings.acquireTimeout().toMillis();
                waiter.timeout = loop.schedule(() -> expire(waiter, timeout), timeout, TimeUnit.MILLISECONDS);
            }
        }
        closeStale(stale);
        if (ready != null) {
            leased.setSuccess(ready);
        } else if (open) {
            openFor(leased, loop);
        } else if (overBudget && budget.evictIdleElsewhere(this)) {
            openForNextWaiter();
        }
        return leased;
    }

    private void closeStale(List<BackendConnection> stale) {
        stale.forEach(BackendConnection::close);
        budget.release(stale.size());
    }

    /** A permit came free: the first waiter gets a new connection, if the budget still allows. */
    private void openForNextWaiter() {
        Waiter waiter;
        synchronized (this) {
            if (closed || total >= settings.maxSize() || waiters.isEmpty() || !budget.tryTake()) {
                return;
            }
            waiter = nextWaiter();
            if (waiter == null) {
                budget.release(1);
                return;
            }
            total++;
        }
        openFor(waiter.leased, waiter.loop);
    }

    /** How long the connection idle longest here has been idle; -1 when none is. */
    synchronized long longestIdleNanos() {
        BackendConnection last = idle.peekLast();
        return last == null ? -1 : last.idleNanos();
    }

    /** Closes the connection idle longest, for another pool under the global cap; false when none is idle. */
    boolean closeOneIdle() {
        BackendConnection victim;
        synchronized (this) {
            victim = idle.pollLast();
            if (victim == null) {
                return false;
            }
            total--;
        }
        victim.close();
        budget.release(1);
        return true;
    }

    /** Takes back a connection that is idle, outside any transaction, with nothing in flight. */
    public void release(BackendConnection connection) {
        connection.detach();
        // A session stops reading its connections while its client cannot take more; one that comes
        // back that way would never read its next user's answers.
        connection.setAutoRead(true);
        // One clock read per release: on a virtual machine each costs a measurable part of a transaction.
        long now = System.nanoTime();
        if (!connection.isUsable() || connection.ageNanos(now) > settings.maxLifetime().toNanos()) {
            discard(connection);
            return;
        }
        connection.markIdle(now);
        Waiter waiter;
        boolean died = false;
        synchronized (this) {
            if (closed) {
                total--;
                budget.release(1);
                waiter = null;
            } else if (!connection.isUsable()) {
                // Its socket closed since the check above: it must not become idle, where its
                // socketClosed may have looked already, nor go to a waiter.
                waiter = null;
                died = true;
            } else {
                waiter = nextWaiter();
                if (waiter == null) {
                    if (total <= settings.maxSize()) {
                        idle.addFirst(connection);
                        return;
                    }
                    // The pool was made smaller by a reload: this one is over the new size, and its
                    // permit of the global cap goes back with it.
                    total--;
                    budget.release(1);
                }
            }
        }
        if (died) {
            discard(connection);
        } else if (waiter == null) {
            connection.close();
        } else if (!waiter.leased.trySuccess(connection)) {
            release(connection);
        }
    }

    /** Closes a connection that must not be reused, and opens a replacement if someone waits. */
    public void discard(BackendConnection connection) {
        connection.detach();
        connection.close();
        slotFreed();
    }

    /**
     * One of the pool's slots came free (a connection closed, or a connect failed): the first waiter
     * gets it and opens a connection with it; with no one waiting, its permit goes back to the budget.
     */
    private void slotFreed() {
        Waiter waiter;
        synchronized (this) {
            total--;
            waiter = closed ? null : nextWaiter();
            if (waiter != null) {
                total++;
            } else {
                budget.release(1);
            }
        }
        if (waiter != null) {
            openFor(waiter.leased, waiter.loop);
        }
    }

    /**
     * A connection's socket closed. If it was idle here (the backend went away, or ended it), it
     * leaves the pool now and its slot is freed; one held by a session is that session's to give back.
     */
    private void socketClosed(BackendConnection connection) {
        boolean wasIdle;
        synchronized (this) {
            wasIdle = idle.remove(connection);
        }
        if (wasIdle) {
            slotFreed();
        }
    }

    /** Opens a connection of this pool: counted, and watched for its socket closing while idle. */
    private Future<BackendConnection> connect(EventLoop loop) {
        Future<BackendConnection> connecting = connector.connect(target, loop);
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                opened.incrementAndGet();
                BackendConnection connection = (BackendConnection) f.getNow();
                connection.channel().closeFuture().addListener(closed -> socketClosed(connection));
            }
        });
        return connecting;
    }

    /**
     * Closes idle connections past their idle or life time (keeping min_idle), checks those unheard
     * from for a while, and opens up to min_idle.
     */
    public void maintain(EventLoop loop) {
        List<BackendConnection> expired = new ArrayList<>();
        List<BackendConnection> toCheck = new ArrayList<>();
        int toOpen;
        synchronized (this) {
            if (closed) {
                return;
            }
            Iterator<BackendConnection> it = idle.descendingIterator();
            while (it.hasNext()) {
                BackendConnection connection = it.next();
                boolean dead = !connection.isUsable() || connection.ageNanos() > settings.maxLifetime().toNanos();
                boolean surplus = idle.size() > settings.minIdle()
                        && connection.idleNanos() > settings.idleTimeout().toNanos();
                if (dead || surplus) {
                    it.remove();
                    expired.add(connection);
                } else if (connection.sinceVerifiedNanos() > HEALTH_CHECK_AFTER_NANOS) {
                    it.remove();
                    toCheck.add(connection);
                }
            }
            total -= expired.size();
            budget.release(expired.size());
            int wanted = Math.min(Math.max(0, settings.minIdle() - idle.size() - toCheck.size()), settings.maxSize() - total);
            toOpen = 0;
            while (toOpen < wanted && budget.tryTake()) {
                toOpen++;
            }
            total += toOpen;
        }
        expired.forEach(BackendConnection::close);
        toCheck.forEach(this::healthCheck);
        for (int i = 0; i < toOpen; i++) {
            connect(loop).addListener(f -> {
                if (f.isSuccess()) {
                    release((BackendConnection) f.getNow());
                } else {
                    slotFreed();
                }
            });
        }
    }

    /** An empty query: the cheapest statement that proves the backend still answers. */
    private void healthCheck(BackendConnection connection) {
        connection.runInternal("", connection.eventLoop()).addListener(f -> {
            if (!f.isSuccess()) {
                discard(connection);
                return;
            }
            connection.verified();
            Waiter waiter;
            synchronized (this) {
                waiter = closed ? null : nextWaiter();
                if (waiter == null && !closed) {
                    idle.addLast(connection);
                    return;
                }
            }
            if (waiter == null || !waiter.leased.trySuccess(connection)) {
                release(connection);
            }
        });
    }

    public void close() {
        List<BackendConnection> toClose;
        List<Waiter> waiting;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(idle);
            total -= idle.size();
            budget.release(idle.size());
            idle.clear();
            waiting = new ArrayList<>(waiters);
            waiting.addAll(held);
            waiters.clear();
            held.clear();
        }
        toClose.forEach(BackendConnection::close);
        waiting.forEach(w -> w.leased.tryFailure(new BackendUnavailableException(ProxyErrors.shuttingDown())));
    }

    public synchronized PoolStats stats() {
        return new PoolStats(target.poolName(), total, idle.size(), waiters.size(), timeouts.get(), opened.get());
    }

    private BackendConnection takeIdle(EventLoop loop, List<BackendConnection> stale) {
        BackendConnection sameLoop = takeIdleOf(loop, stale);
        if (sameLoop != null) {
            return sameLoop;
        }
        if (total >= settings.maxSize()) {
            // Better a connection on another loop, one thread hop per read, than a wait.
            BackendConnection any;
            while ((any = idle.pollFirst()) != null) {
                if (any.isUsable()) {
                    return any;
                }
                total--;
                stale.add(any);
            }
        }
        return null;
    }

    /** An idle connection of {@code loop}, or null; unusable ones met on the way go into {@code stale}. */
    private BackendConnection takeIdleOf(EventLoop loop, List<BackendConnection> stale) {
        for (Iterator<BackendConnection> it = idle.iterator(); it.hasNext(); ) {
            BackendConnection connection = it.next();
            if (!connection.isUsable()) {
                it.remove();
                total--;
                stale.add(connection);
            } else if (connection.eventLoop() == loop) {
                it.remove();
                return connection;
            }
        }
        return null;
    }

    private Waiter nextWaiter() {
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            if (!waiter.leased.isDone()) {
                waiter.timeout.cancel(false);
                return waiter;
            }
        }
        return null;
    }

    /**
     * PAUSE: leases asked for from now on wait, without a timeout, until {@link #resume}; connections
     * already leased finish their transactions. For restarting a backend without failing clients.
     */
    public synchronized void pause() {
        paused = true;
    }

    /** RESUME: the leases held while paused are served in order, each with its acquire timeout from now. */
    public void resume() {
        List<Waiter> waiting;
        synchronized (this) {
            paused = false;
            waiting = new ArrayList<>(held);
            held.clear();
        }
        for (Waiter waiter : waiting) {
            if (!waiter.leased.isDone()) {
                acquire(waiter.loop).addListener(f -> {
                    if (f.isSuccess()) {
                        BackendConnection connection = (BackendConnection) f.getNow();
                        if (!waiter.leased.trySuccess(connection)) {
                            release(connection);
                        }
                    } else {
                        waiter.leased.tryFailure(f.cause());
                    }
                });
            }
        }
    }

    private void openFor(Promise<BackendConnection> leased, EventLoop loop) {
        connect(loop).addListener(f -> {
            if (f.isSuccess()) {
                BackendConnection connection = (BackendConnection) f.getNow();
                if (!leased.trySuccess(connection)) {
                    release(connection);
                }
            } else {
                // The next waiter tries too (and, while the backend is down, fails as fast), rather
                // than waiting out its acquire timeout for a slot no one would hand on. The slot goes
                // first, so the pool's count is settled when the failed lease hears.
                slotFreed();
                leased.tryFailure(f.cause());
            }
        });
    }

    private void expire(Waiter waiter, long timeoutMillis) {
        synchronized (this) {
            if (!waiters.remove(waiter)) {
                return;
            }
        }
        timeouts.incrementAndGet();
        waiter.leased.tryFailure(new BackendUnavailableException(ProxyErrors.poolTimeout(target.poolName(), timeoutMillis)));
    }

    private static final class Waiter {
        final Promise<BackendConnection> leased;
        final EventLoop loop;
        ScheduledFuture<?> timeout;

        Waiter(Promise<BackendConnection> leased, EventLoop loop) {
            this.leased = leased;
            this.loop = loop;
        }
    }
}
