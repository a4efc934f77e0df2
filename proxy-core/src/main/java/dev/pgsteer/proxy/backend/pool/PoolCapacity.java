package dev.pgsteer.proxy.backend.pool;

/**
 * A pool's connections counted against its size and against the global budget at once: each
 * connection open or opening holds one slot of the pool and one permit of the
 * {@link ConnectionBudget}, taken together by {@link #tryOpen} and given back together by
 * {@link #closed}. A slot handed on from a closed connection to a waiter's new one is simply kept.
 * Guarded by its pool's lock.
 */
final class PoolCapacity {
    private final ConnectionBudget budget;
    /** Connections open or opening, leased or idle. */
    private int total;

    PoolCapacity(ConnectionBudget budget) {
        this.budget = budget;
    }

    /** A slot for one more connection, if the pool is below {@code maxSize} and the budget has a permit. */
    boolean tryOpen(int maxSize) {
        if (total >= maxSize || !budget.tryTake()) {
            return false;
        }
        total++;
        return true;
    }

    /** Slots for up to {@code wanted} more connections, as far as the budget allows; how many were taken. */
    int openUpTo(int wanted) {
        int taken = 0;
        while (taken < wanted && budget.tryTake()) {
            taken++;
        }
        total += taken;
        return taken;
    }

    /** {@code count} connections closed (or failed to open): their slots and permits go back. */
    void closed(int count) {
        total -= count;
        budget.release(count);
    }

    boolean below(int maxSize) {
        return total < maxSize;
    }

    int total() {
        return total;
    }
}
