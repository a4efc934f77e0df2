package dev.pgsteer.proxy.observe;

/**
 * When each request still waiting for its ReadyForQuery was sent, oldest first: answers come back
 * in the order the requests went out, so a ring of timestamps is enough. Grows (rarely: deep
 * pipelines) and never allocates per request otherwise.
 */
public final class InFlightClock {
    private long[] sentAt = new long[4];
    private int head;
    private int size;

    public void sent(long nanos) {
        if (size == sentAt.length) {
            long[] bigger = new long[sentAt.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = sentAt[(head + i) % sentAt.length];
            }
            sentAt = bigger;
            head = 0;
        }
        sentAt[(head + size) % sentAt.length] = nanos;
        size++;
    }

    /** Nanoseconds since the oldest request was sent, which this answer ends; -1 when none was timed. */
    public long answered(long nanos) {
        if (size == 0) {
            return -1;
        }
        long started = sentAt[head];
        head = (head + 1) % sentAt.length;
        size--;
        return nanos - started;
    }
}
