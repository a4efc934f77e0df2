package dev.pgsteer.router.analysis;

import dev.pgsteer.router.plan.Analysis;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The analyses of the shapes a database has seen, at most {@code capacity} of them, and the count
 * of lookups that found one or not (a plain count for metrics: the router knows no registry).
 *
 * <p>Eviction is a clock sweep (second chance), the approximation of least-recently-used that
 * PostgreSQL's buffer manager uses: a lookup marks its entry used, and a full cache evicts the first
 * entry the hand finds unused since it last passed, clearing the marks it passes. A shape in use
 * survives; one not asked for since the last sweep goes first. Exact LRU would write a shared
 * ordering on every hit, from every event loop; this writes a mark only when it was cleared, so a
 * hit costs what a {@link ConcurrentHashMap} lookup costs.
 */
public final class PlanCache {
    /** An analysis and its mark; the mark is a hint, so it is a plain field: a lost write costs at most an early eviction. */
    private static final class Entry {
        final Analysis analysis;
        boolean used;

        Entry(Analysis analysis) {
            this.analysis = analysis;
        }
    }

    private final int capacity;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final LongAdder hits;
    private final LongAdder misses;
    /** The clock's hand; moved only under the lock of {@link #put}. */
    private Iterator<Map.Entry<String, Entry>> hand;

    public PlanCache(int capacity) {
        this(capacity, new LongAdder(), new LongAdder());
    }

    private PlanCache(int capacity, LongAdder hits, LongAdder misses) {
        this.capacity = capacity;
        this.hits = hits;
        this.misses = misses;
    }

    /** An empty cache of the same capacity whose counts go on from this one's, so metrics never run backwards. */
    public PlanCache emptied() {
        return new PlanCache(capacity, hits, misses);
    }

    /** The shape's analysis, or null; counted as a hit or a miss. */
    public Analysis lookup(String shape) {
        Analysis found = peek(shape);
        (found != null ? hits : misses).increment();
        return found;
    }

    /** The shape's analysis, or null, without counting the lookup. */
    public Analysis peek(String shape) {
        Entry entry = entries.get(shape);
        if (entry == null) {
            return null;
        }
        if (!entry.used) {
            entry.used = true;
        }
        return entry.analysis;
    }

    public synchronized void put(String shape, Analysis analysis) {
        if (!entries.containsKey(shape)) {
            while (entries.size() >= capacity && evictOne()) {
                // One entry per turn of the loop; more only if another thread added one meanwhile.
            }
        }
        entries.put(shape, new Entry(analysis));
    }

    /** Moves the hand to the first entry unused since the hand last passed, and evicts it; false when empty. */
    private boolean evictOne() {
        // Two turns at most: the first clears every mark it passes.
        for (int passed = 0; passed <= 2 * entries.size() + 1; passed++) {
            if (hand == null || !hand.hasNext()) {
                hand = entries.entrySet().iterator();
                if (!hand.hasNext()) {
                    return false;
                }
            }
            Map.Entry<String, Entry> next = hand.next();
            if (next.getValue().used) {
                next.getValue().used = false;
            } else {
                hand.remove();
                return true;
            }
        }
        return false;
    }

    /** How many analyses it holds at most. */
    public int capacity() {
        return capacity;
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    public int size() {
        return entries.size();
    }
}
