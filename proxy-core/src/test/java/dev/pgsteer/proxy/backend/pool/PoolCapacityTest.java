package dev.pgsteer.proxy.backend.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A pool's slots and the global budget's permits are taken together and given back together. */
class PoolCapacityTest {
    private final ConnectionBudget budget = new ConnectionBudget(3, List::of);
    private final PoolCapacity capacity = new PoolCapacity(budget);

    @Test
    void aSlotTakesAPermitAndClosingGivesBothBack() {
        assertTrue(capacity.tryOpen(2));
        assertEquals(1, capacity.total());
        assertEquals(1, budget.used());

        capacity.closed(1);
        assertEquals(0, capacity.total());
        assertEquals(0, budget.used());
    }

    @Test
    void atThePoolsSizeNoSlotAndNoPermitIsTaken() {
        assertTrue(capacity.tryOpen(1));
        assertFalse(capacity.tryOpen(1));
        assertFalse(capacity.below(1));
        assertEquals(1, budget.used());
    }

    @Test
    void withTheBudgetSpentNoSlotIsTakenThoughThePoolIsBelowItsSize() {
        PoolCapacity other = new PoolCapacity(budget);
        assertEquals(3, other.openUpTo(3));
        assertFalse(capacity.tryOpen(10));
        assertTrue(capacity.below(10));
        assertEquals(0, capacity.total());
    }

    @Test
    void openUpToTakesAsManyAsTheBudgetAllows() {
        assertEquals(3, capacity.openUpTo(5));
        assertEquals(3, capacity.total());
        assertEquals(0, capacity.openUpTo(1));
        assertEquals(0, capacity.openUpTo(-1), "a pool over its size after a reload opens none");
    }
}
