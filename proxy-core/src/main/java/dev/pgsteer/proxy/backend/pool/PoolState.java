package dev.pgsteer.proxy.backend.pool;

/**
 * Whether a pool hands out connections.
 *
 * <pre>
 *   OPEN ──pause──► PAUSED ──resume──► OPEN
 *   OPEN, PAUSED ──close──► CLOSED (for good: pause and resume leave it CLOSED)
 * </pre>
 *
 * PAUSED holds new leases, without a timeout, until RESUME; connections already leased finish their
 * transactions and come back as usual. CLOSED fails every lease with 57P01 and closes every
 * connection that comes back.
 */
enum PoolState {
    OPEN, PAUSED, CLOSED;

    PoolState paused() {
        return this == CLOSED ? CLOSED : PAUSED;
    }

    PoolState resumed() {
        return this == CLOSED ? CLOSED : OPEN;
    }
}
