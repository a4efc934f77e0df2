package dev.pgsteer.proxy.backend.pool;

/** A pool's counts at one moment, for metrics and the admin console. */
public record PoolStats(String name, int total, int idle, int waiting, long acquireTimeouts, long opened) {
    public int active() {
        return total - idle;
    }
}
