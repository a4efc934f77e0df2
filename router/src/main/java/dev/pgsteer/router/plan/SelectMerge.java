package dev.pgsteer.router.plan;

import java.math.BigDecimal;
import java.util.List;

/**
 * How the rows of a SELECT that ran on several shards are merged into the client's answer, with
 * this execution's values applied (the limit and offset, the constants of HAVING). Null in a
 * {@link Route} means the rows are only concatenated.
 *
 * <p>Columns are numbered as the shards return them: from 0 at the start, or from the end when
 * negative (-1 is the last column), because pgsteer appends the columns only it needs
 * ({@code hidden} of them, stripped before the client sees a row) after a select list whose
 * length ({@code *}) it may not know.
 *
 * @param sort       the ORDER BY keys, in order; empty when the order does not matter
 * @param limit      rows the client gets at most, or -1 for no limit
 * @param offset     rows skipped after the merge
 * @param aggregate  whether rows are grouped and their partial aggregates combined (GROUP BY, aggregates)
 * @param aggregates the aggregate columns; every other column is part of the group key
 * @param distinct   whether rows equal in their visible columns are sent once
 * @param hidden     how many trailing columns are pgsteer's own
 * @param having     conditions on merged aggregates that each group must meet
 */
public record SelectMerge(List<SortKey> sort, long limit, long offset, boolean aggregate, List<Aggregate> aggregates,
        boolean distinct, int hidden, List<HavingTerm> having) {

    public SelectMerge {
        sort = List.copyOf(sort);
        aggregates = List.copyOf(aggregates);
        having = List.copyOf(having);
    }

    // Readable construction, for tests and for whoever builds a merge by hand:
    //   SelectMerge.sorted(new SortKey(-1, true, true)).withPage(3, 1).withHidden(1)
    //   SelectMerge.grouped(new Aggregate(1, Function.COUNT, 0)).withHaving(term).withSort(key)
    //   SelectMerge.distinctRows()

    /** Rows passed on as they come: nothing to sort, group, skip or strip. */
    public static SelectMerge concatenated() {
        return new SelectMerge(List.of(), -1, 0, false, List.of(), false, 0, List.of());
    }

    /** Rows merged in the order of {@code keys} (ORDER BY). */
    public static SelectMerge sorted(SortKey... keys) {
        return concatenated().withSort(keys);
    }

    /** Rows grouped by their non-aggregate columns, these columns' partial aggregates combined (GROUP BY, aggregates). */
    public static SelectMerge grouped(Aggregate... aggregates) {
        return new SelectMerge(List.of(), -1, 0, true, List.of(aggregates), false, 0, List.of());
    }

    /** Rows equal in their visible columns sent once (DISTINCT). */
    public static SelectMerge distinctRows() {
        return new SelectMerge(List.of(), -1, 0, false, List.of(), true, 0, List.of());
    }

    public SelectMerge withSort(SortKey... keys) {
        return new SelectMerge(List.of(keys), limit, offset, aggregate, aggregates, distinct, hidden, having);
    }

    /** LIMIT {@code limit} (-1: none) OFFSET {@code offset}, applied after the merge. */
    public SelectMerge withPage(long limit, long offset) {
        return new SelectMerge(sort, limit, offset, aggregate, aggregates, distinct, hidden, having);
    }

    /** The last {@code hidden} columns are pgsteer's own, stripped before the client sees a row. */
    public SelectMerge withHidden(int hidden) {
        return new SelectMerge(sort, limit, offset, aggregate, aggregates, distinct, hidden, having);
    }

    public SelectMerge withHaving(HavingTerm... terms) {
        return new SelectMerge(sort, limit, offset, aggregate, aggregates, distinct, hidden, List.of(terms));
    }

    /** The aggregates pgsteer can combine from the shards' partial results. */
    public enum Function {
        /** Sum of the shards' counts. */
        COUNT,
        SUM,
        MIN,
        MAX,
        /** Sent as sum (in its own column) and count (in {@code countColumn}); divided after the merge. */
        AVG
    }

    /** PostgreSQL's defaults: NULLS LAST for ascending order, NULLS FIRST for descending. */
    public record SortKey(int column, boolean descending, boolean nullsFirst) {
    }

    /** {@code countColumn} is the hidden count column of an AVG; unused (0) for the others. */
    public record Aggregate(int column, Function function, int countColumn) {
    }

    public enum Comparison {
        EQ, NE, LT, LE, GT, GE;

        public boolean holds(int compared) {
            return switch (this) {
                case EQ -> compared == 0;
                case NE -> compared != 0;
                case LT -> compared < 0;
                case LE -> compared <= 0;
                case GT -> compared > 0;
                case GE -> compared >= 0;
            };
        }

        /** The comparison with its operands swapped: {@code 5 < count(*)} is {@code count(*) > 5}. */
        public Comparison flipped() {
            return switch (this) {
                case EQ, NE -> this;
                case LT -> GT;
                case LE -> GE;
                case GT -> LT;
                case GE -> LE;
            };
        }
    }

    /** {@code column op value}; a NULL on either side is not true, as in SQL. */
    public record HavingTerm(int column, Comparison op, BigDecimal value) {
    }

    /** Whether a row needs more than concatenation at all. */
    public boolean streamsUnchanged() {
        return sort.isEmpty() && limit < 0 && offset == 0 && !aggregate && !distinct && hidden == 0;
    }
}
