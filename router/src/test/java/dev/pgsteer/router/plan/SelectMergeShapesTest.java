package dev.pgsteer.router.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.router.plan.SelectMerge.Aggregate;
import dev.pgsteer.router.plan.SelectMerge.Comparison;
import dev.pgsteer.router.plan.SelectMerge.Function;
import dev.pgsteer.router.plan.SelectMerge.HavingTerm;
import dev.pgsteer.router.plan.SelectMerge.SortKey;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The readable ways to build a {@link SelectMerge}, each the same value as its eight-component form. */
class SelectMergeShapesTest {

    @Test
    void concatenatedRowsStreamUnchanged() {
        assertEquals(new SelectMerge(List.of(), -1, 0, false, List.of(), false, 0, List.of()), SelectMerge.concatenated());
        assertTrue(SelectMerge.concatenated().streamsUnchanged());
    }

    @Test
    void sortedWithAPageAndAHiddenSortColumn() {
        // SELECT id FROM t ORDER BY total DESC LIMIT 3 OFFSET 1: the shards return id, total.
        SelectMerge merge = SelectMerge.sorted(new SortKey(-1, true, true)).withPage(3, 1).withHidden(1);

        assertEquals(new SelectMerge(List.of(new SortKey(-1, true, true)), 3, 1, false, List.of(), false, 1, List.of()), merge);
        assertFalse(merge.streamsUnchanged());
    }

    @Test
    void groupedWithHavingAndSort() {
        // SELECT status, count(*), avg(qty) FROM t GROUP BY status HAVING count(*) > 1 ORDER BY 1.
        SelectMerge merge = SelectMerge.grouped(new Aggregate(1, Function.COUNT, 0), new Aggregate(2, Function.AVG, -1))
                .withHaving(new HavingTerm(1, Comparison.GT, BigDecimal.ONE))
                .withSort(new SortKey(0, false, false))
                .withHidden(1);

        assertEquals(new SelectMerge(List.of(new SortKey(0, false, false)), -1, 0, true,
                List.of(new Aggregate(1, Function.COUNT, 0), new Aggregate(2, Function.AVG, -1)), false, 1,
                List.of(new HavingTerm(1, Comparison.GT, BigDecimal.ONE))), merge);
    }

    @Test
    void distinctRows() {
        assertEquals(new SelectMerge(List.of(), -1, 0, false, List.of(), true, 0, List.of()), SelectMerge.distinctRows());
    }
}
