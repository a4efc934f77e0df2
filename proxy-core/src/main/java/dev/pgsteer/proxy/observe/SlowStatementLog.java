package dev.pgsteer.proxy.observe;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slow-statement log ({@code logging: { slow_statement: 500ms }}): a statement that took longer
 * than the threshold, from being sent to the backend to its ReadyForQuery (or, on a sharded database,
 * from its routing to the end of the shards' answers), gets one WARN line with the session id, the
 * time and the statement's text cut to {@value #MAX_TEXT} characters. The text is the SQL of a Query
 * or a Parse, never a startup packet or a password message. The threshold follows reloads.
 */
public final class SlowStatementLog {
    /** Characters of a statement's text the line keeps. */
    public static final int MAX_TEXT = 200;
    private static final Logger log = LoggerFactory.getLogger("dev.pgsteer.slow");

    /** 0 for off. */
    private volatile long thresholdNanos;

    public SlowStatementLog(Duration threshold) {
        threshold(threshold);
    }

    /** The new threshold; null for off. */
    public void threshold(Duration threshold) {
        thresholdNanos = threshold == null ? 0 : threshold.toNanos();
    }

    public boolean enabled() {
        return thresholdNanos > 0;
    }

    /** Logs the statement if it was slow; {@code text} is read only then. */
    /** Whether a request that took {@code nanos} is logged: a caller builds its text only then. */
    public boolean slow(long nanos) {
        long threshold = thresholdNanos;
        return threshold > 0 && nanos > threshold;
    }

    public void took(String sessionId, long nanos, CharSequence text) {
        long threshold = thresholdNanos;
        if (threshold <= 0 || nanos <= threshold) {
            return;
        }
        log.warn("{}: slow statement: {} ms (over {} ms): {}", sessionId, TimeUnit.NANOSECONDS.toMillis(nanos),
                TimeUnit.NANOSECONDS.toMillis(threshold), cut(text));
    }

    static String cut(CharSequence text) {
        if (text == null) {
            return "(text not seen)";
        }
        String flat = text.toString().replaceAll("\\s+", " ").strip();
        return flat.length() <= MAX_TEXT ? flat : flat.substring(0, MAX_TEXT) + "...";
    }
}
