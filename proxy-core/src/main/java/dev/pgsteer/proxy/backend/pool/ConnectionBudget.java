package dev.pgsteer.proxy.backend.pool;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The cap on backend connections across every pool ({@code max_backend_connections}): tenants with
 * their own database each get a pool, and ten thousand of them must not mean ten thousand idle
 * connections. A pool takes a permit before opening a connection and gives it back when one
 * closes; when none is left, an idle connection of another pool is closed to make room.
 */
public final class ConnectionBudget {
    private final int cap;
    private final AtomicInteger used = new AtomicInteger();
    private final Supplier<List<BackendPool>> pools;

    public ConnectionBudget(int cap, Supplier<List<BackendPool>> pools) {
        this.cap = cap;
        this.pools = pools;
    }

    /** No cap: for pools made outside a registry (tests). */
    static ConnectionBudget unlimited() {
        return new ConnectionBudget(Integer.MAX_VALUE, List::of);
    }

    boolean tryTake() {
        while (true) {
            int now = used.get();
            if (now >= cap) {
                return false;
            }
            if (used.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    void release(int permits) {
        if (permits > 0) {
            used.addAndGet(-permits);
        }
    }

    /** Closes the idle connection that waited longest in another pool; false when none is idle. */
    boolean evictIdleElsewhere(BackendPool except) {
        BackendPool oldest = null;
        long longest = -1;
        for (BackendPool pool : pools.get()) {
            if (pool != except) {
                long idle = pool.longestIdleNanos();
                if (idle > longest) {
                    longest = idle;
                    oldest = pool;
                }
            }
        }
        return oldest != null && oldest.closeOneIdle();
    }

    public int used() {
        return used.get();
    }

    public int cap() {
        return cap;
    }
}
