package dev.pgsteer.proxy.sharding.move;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a cutover's hold went, step by step ("acks 12 ms, fence 3 ms, ..."), for its log line and
 * SHOW MOVE's error on a given-up attempt: the hold is the one figure of a move users wait on, and
 * without its parts there is no telling which step to make shorter.
 */
final class StepClock {
    private final long started = System.nanoTime();
    private long last = started;
    private final List<String> steps = new ArrayList<>();

    /** Ends the step running since the last mark (or the start), named {@code step}. */
    void mark(String step) {
        long now = System.nanoTime();
        steps.add(step + " " + Math.round((now - last) / 1e6) + " ms");
        last = now;
    }

    double elapsedMs() {
        return (System.nanoTime() - started) / 1e6;
    }

    @Override
    public String toString() {
        return String.join(", ", steps);
    }
}
