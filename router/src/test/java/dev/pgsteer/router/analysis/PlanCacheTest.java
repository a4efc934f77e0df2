package dev.pgsteer.router.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.plan.StatementKind;
import org.junit.jupiter.api.Test;

/** The plan cache: bounded, and what it evicts when full is a shape not asked for since the hand last passed. */
class PlanCacheTest {
    static Analysis analysis(String why) {
        return new Analysis(StatementKind.READ, new Placement.DefaultShard(why), null, null);
    }

    @Test
    void aFullCacheEvictsAShapeNotUsedSinceTheHandPassedAndKeepsTheOnesInUse() {
        PlanCache cache = new PlanCache(3);
        cache.put("a", analysis("a"));
        cache.put("b", analysis("b"));
        cache.put("c", analysis("c"));
        cache.lookup("a");
        cache.peek("b");

        cache.put("d", analysis("d"));

        assertEquals(3, cache.size());
        assertNull(cache.peek("c"));
        assertNotNull(cache.peek("a"));
        assertNotNull(cache.peek("b"));
        assertNotNull(cache.peek("d"));
    }

    @Test
    void itNeverHoldsMoreThanItsCapacity() {
        PlanCache cache = new PlanCache(10);
        for (int i = 0; i < 100; i++) {
            cache.put("shape " + i, analysis("x"));
            cache.lookup("shape " + (i / 2));
        }
        assertEquals(10, cache.size());
    }

    @Test
    void replacingAShapeEvictsNothing() {
        PlanCache cache = new PlanCache(2);
        cache.put("a", analysis("a"));
        cache.put("b", analysis("b"));
        Analysis again = analysis("b again");

        cache.put("b", again);

        assertEquals(2, cache.size());
        assertSame(again, cache.peek("b"));
        assertNotNull(cache.peek("a"));
    }

    @Test
    void lookupsAreCountedAndTheCountsOutliveAnEmptiedCache() {
        PlanCache cache = new PlanCache(5);
        cache.put("a", analysis("a"));
        cache.lookup("a");
        cache.lookup("b");
        cache.peek("a");

        PlanCache emptied = cache.emptied();
        emptied.lookup("a");

        assertEquals(1, emptied.hits());
        assertEquals(2, emptied.misses());
        assertEquals(0, emptied.size());
    }
}
