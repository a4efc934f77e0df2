package dev.pgsteer.proxy.backend;

/**
 * When a connection was opened, went idle, and last heard its backend answer: what its pool's
 * lifetime, idle timeout and health check read.
 */
public final class ConnectionTimes {
    private final long createdNanos = System.nanoTime();
    private long idleSinceNanos = System.nanoTime();
    /** When the backend last proved it answers: a statement completed, or a health check passed. */
    private volatile long verifiedNanos = System.nanoTime();

    /** How long ago the connection was opened; its pool closes it past max_lifetime. */
    public long ageNanos() {
        return ageNanos(System.nanoTime());
    }

    public long ageNanos(long now) {
        return now - createdNanos;
    }

    /** How long it has been idle in its pool. */
    public long idleNanos() {
        return System.nanoTime() - idleSinceNanos;
    }

    /** How long since the backend last proved it answers; its pool asks it an empty query past a while. */
    public long sinceVerifiedNanos() {
        return System.nanoTime() - verifiedNanos;
    }

    /** A health check passed. */
    public void verified() {
        verifiedNanos = System.nanoTime();
    }

    /** Idle from {@code now}, having just answered (it completed a transaction, or its login). */
    void idleFrom(long now) {
        idleSinceNanos = now;
        verifiedNanos = now;
    }
}
