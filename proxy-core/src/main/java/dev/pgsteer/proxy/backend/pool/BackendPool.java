package dev.pgsteer.proxy.backend.pool;

import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendConnector;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.pool.WaitQueue.Waiter;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connections of one (backend, database, user). A lease prefers an idle connection on the
 * caller's own event loop, so that relaying never hops threads; it opens a new one on that loop
 * while the pool is below its size, and otherwise waits, up to the acquire timeout.
 *
 * <p>This class coordinates: {@link IdleConnections} keeps the idle ones, {@link WaitQueue} the
 * leases that wait, {@link PoolCapacity} the count of connections with their permits of the global
 * budget, {@link PoolMaintenance} decides the periodic round, and {@link PoolState} says whether the
 * pool hands out connections. The lock guards only the bookkeeping; connecting, handing over and
 * closing happen outside it, because completing a promise runs its listeners, which may come straight
 * back into the pool.
 *
 * <p>A slot of the pool (a permit of its size and of the global budget) that comes free while
 * sessions wait is handed to the first of them, who opens a connection with it: whether the slot was
 * freed by a connection closed, or by a connect that failed. So while the backend is down each waiter
 * tries in turn and fails fast with the connect's error, rather than waiting out the acquire timeout,
 * and once it is back the first session served gets a new connection at once. An idle connection
 * whose socket closes leaves the pool at once: the pool never hands out one it knows is dead.
 */
public final class BackendPool {
    private final BackendTarget target;
    /** Replaced by a reload; read under the lock or once per decision. */
    private volatile PoolSettings settings;
    private final BackendConnector connector;
    private final ConnectionBudget budget;
    private volatile PoolLabel label;

    private final IdleConnections idle = new IdleConnections();
    private final WaitQueue waiters;
    private final PoolCapacity capacity;
    private final PoolMaintenance maintenance;
    private PoolState state = PoolState.OPEN;
    /** Connections opened since start, for the admin console. */
    private final AtomicLong opened = new AtomicLong();

    public BackendPool(BackendTarget target, PoolSettings settings, BackendConnector connector) {
        this(target, settings, connector, ConnectionBudget.unlimited());
    }

    public BackendPool(BackendTarget target, PoolSettings settings, BackendConnector connector, ConnectionBudget budget) {
        this(target, settings, connector, budget, PoolMaintenance.HEALTH_CHECK_AFTER_NANOS);
    }

    /** With idle connections health-checked after {@code healthCheckAfterNanos} instead of 30 s: for tests. */
    BackendPool(BackendTarget target, PoolSettings settings, BackendConnector connector, ConnectionBudget budget,
                long healthCheckAfterNanos) {
        this.target = target;
        this.settings = settings;
        this.connector = connector;
        this.budget = budget;
        this.label = PoolLabel.of(target);
        this.waiters = new WaitQueue(target.poolName());
        this.capacity = new PoolCapacity(budget);
        this.maintenance = new PoolMaintenance(this, healthCheckAfterNanos);
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
            while ((waiter = slotForNextWaiter()) != null) {
                served.add(waiter);
            }
            while (capacity.total() > newSettings.maxSize() && !idle.isEmpty()) {
                surplus.add(idle.takeOldest());
            }
            // Their permits of the global cap go back with them, as every other close's does.
            capacity.closed(surplus.size());
        }
        surplus.forEach(BackendConnection::close);
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
            if (state != PoolState.OPEN) {
                return null;
            }
            ready = idle.takeOf(loop, stale);
            capacity.closed(stale.size());
        }
        stale.forEach(BackendConnection::close);
        return ready;
    }

    public Future<BackendConnection> acquire(EventLoop loop) {
        Promise<BackendConnection> leased = loop.newPromise();
        List<BackendConnection> stale = new ArrayList<>();
        BackendConnection ready;
        boolean open = false;
        boolean overBudget = false;
        synchronized (this) {
            switch (state) {
                case CLOSED -> {
                    leased.setFailure(new BackendUnavailableException(ProxyErrors.shuttingDown()));
                    return leased;
                }
                case PAUSED -> {
                    waiters.hold(leased, loop);
                    return leased;
                }
                case OPEN -> {
                }
            }
            ready = takeIdle(loop, stale);
            if (ready == null && capacity.tryOpen(settings.maxSize())) {
                open = true;
            } else if (ready == null) {
                overBudget = capacity.below(settings.maxSize());
                waiters.waitFor(leased, loop, settings.acquireTimeout());
            }
        }
        stale.forEach(BackendConnection::close);
        if (ready != null) {
            leased.setSuccess(ready);
        } else if (open) {
            openFor(leased, loop);
        } else if (overBudget && budget.evictIdleElsewhere(this)) {
            // A permit came free: the first waiter gets a new connection, if the budget still allows.
            Waiter waiter;
            synchronized (this) {
                waiter = slotForNextWaiter();
            }
            if (waiter != null) {
                openFor(waiter.leased, waiter.loop);
            }
        }
        return leased;
    }

    /** An idle connection of {@code loop}, or, at the pool's size, of any loop; stale ones met are uncounted. */
    private BackendConnection takeIdle(EventLoop loop, List<BackendConnection> stale) {
        BackendConnection ready = idle.takeOf(loop, stale);
        capacity.closed(stale.size());
        if (ready == null && !capacity.below(settings.maxSize())) {
            // Better a connection on another loop, one thread hop per read, than a wait.
            int before = stale.size();
            ready = idle.takeAny(stale);
            capacity.closed(stale.size() - before);
        }
        return ready;
    }

    /** Under the lock: the oldest waiter, with a slot taken for it; null when no one waits or no slot is free. */
    private Waiter slotForNextWaiter() {
        if (state == PoolState.CLOSED || !waiters.anyWaiting() || !capacity.tryOpen(settings.maxSize())) {
            return null;
        }
        Waiter waiter = waiters.next();
        if (waiter == null) {
            capacity.closed(1);
        }
        return waiter;
    }

    /** How long the connection idle longest here has been idle; -1 when none is. */
    synchronized long longestIdleNanos() {
        return idle.longestIdleNanos();
    }

    /** Closes the connection idle longest, for another pool under the global cap; false when none is idle. */
    boolean closeOneIdle() {
        BackendConnection victim;
        synchronized (this) {
            victim = idle.takeOldest();
            if (victim == null) {
                return false;
            }
            capacity.closed(1);
        }
        victim.close();
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
        if (!connection.isUsable() || connection.times().ageNanos(now) > settings.maxLifetime().toNanos()) {
            discard(connection);
            return;
        }
        connection.markIdle(now);
        Waiter waiter = null;
        boolean died = false;
        synchronized (this) {
            if (state == PoolState.CLOSED) {
                capacity.closed(1);
            } else if (!connection.isUsable()) {
                // Its socket closed since the check above: it must not become idle, where its
                // socketClosed may have looked already, nor go to a waiter.
                died = true;
            } else if ((waiter = waiters.next()) == null) {
                if (capacity.total() <= settings.maxSize()) {
                    idle.released(connection);
                    return;
                }
                // The pool was made smaller by a reload: this one is over the new size, and its
                // permit of the global cap goes back with it.
                capacity.closed(1);
            }
        }
        if (died) {
            discard(connection);
        } else if (waiter == null) {
            connection.close();
        } else {
            handOver(waiter, connection);
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
            waiter = state == PoolState.CLOSED ? null : waiters.next();
            if (waiter == null) {
                capacity.closed(1);
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

    /**
     * Opens a connection for {@code leased}, whose slot is taken: counted, and watched for its socket
     * closing while idle. A failed connect hands the slot on.
     */
    private void openFor(Promise<BackendConnection> leased, EventLoop loop) {
        connector.connect(target, loop).addListener(f -> {
            if (f.isSuccess()) {
                opened.incrementAndGet();
                BackendConnection connection = (BackendConnection) f.getNow();
                connection.channel().closeFuture().addListener(closed -> socketClosed(connection));
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

    private void handOver(Waiter waiter, BackendConnection connection) {
        if (!waiter.serve(connection)) {
            release(connection);
        }
    }

    /**
     * Closes idle connections past their idle or life time (keeping min_idle), checks those unheard
     * from for a while, and opens up to min_idle.
     */
    public void maintain(EventLoop loop) {
        PoolMaintenance.Round round;
        synchronized (this) {
            if (state == PoolState.CLOSED) {
                return;
            }
            round = maintenance.round(idle, capacity, settings);
        }
        maintenance.carryOut(round, loop);
    }

    /** A connection opened for min_idle: it goes to a waiter or becomes idle; a failed connect frees its slot. */
    void openIdle(EventLoop loop) {
        Promise<BackendConnection> forIdle = loop.newPromise();
        forIdle.addListener(f -> {
            if (f.isSuccess()) {
                release((BackendConnection) f.getNow());
            }
        });
        openFor(forIdle, loop);
    }

    /** A connection passed its health check: it goes to a waiter, else back among the idle ones, last in line. */
    void checked(BackendConnection connection) {
        Waiter waiter;
        synchronized (this) {
            waiter = state == PoolState.CLOSED ? null : waiters.next();
            if (waiter == null && state != PoolState.CLOSED) {
                idle.checked(connection);
                return;
            }
        }
        if (waiter == null) {
            release(connection);
        } else {
            handOver(waiter, connection);
        }
    }

    public void close() {
        List<BackendConnection> toClose;
        synchronized (this) {
            state = PoolState.CLOSED;
            toClose = idle.takeAll();
            capacity.closed(toClose.size());
        }
        toClose.forEach(BackendConnection::close);
        waiters.failAll();
    }

    public synchronized PoolStats stats() {
        return new PoolStats(target.poolName(), capacity.total(), idle.size(), waiters.waiting(), waiters.timeouts(), opened.get());
    }

    /**
     * PAUSE: leases asked for from now on wait, without a timeout, until {@link #resume}; connections
     * already leased finish their transactions. For restarting a backend without failing clients.
     */
    public synchronized void pause() {
        state = state.paused();
    }

    /** RESUME: the leases held while paused are served in order, each with its acquire timeout from now. */
    public void resume() {
        List<Waiter> held;
        synchronized (this) {
            state = state.resumed();
            held = waiters.takeHeld();
        }
        for (Waiter waiter : held) {
            if (!waiter.leased.isDone()) {
                acquire(waiter.loop).addListener(f -> {
                    if (f.isSuccess()) {
                        handOver(waiter, (BackendConnection) f.getNow());
                    } else {
                        waiter.leased.tryFailure(f.cause());
                    }
                });
            }
        }
    }
}
