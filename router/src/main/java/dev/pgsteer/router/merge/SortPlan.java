package dev.pgsteer.router.merge;

import dev.pgsteer.router.merge.ShardColumns.Ref;
import dev.pgsteer.router.plan.MergePlan;
import dev.pgsteer.router.plan.Functions;
import dev.pgsteer.router.plan.ValueRef;
import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;

/**
 * The ORDER BY of a merge: each key a column of the shards' rows (an item of the select list, an
 * aggregate's merged column, or an expression added as a hidden column), or a position
 * ({@code ORDER BY 2}, known once values are), with PostgreSQL's default NULL ordering.
 */
final class SortPlan {
    private record Sort(Ref column, ValueRef ordinal, boolean descending, boolean nullsFirst) {
    }

    private final List<Sort> keys = new ArrayList<>();

    private SortPlan() {
    }

    /** {@code aggregates} is null when the SELECT does not aggregate: then an aggregate in ORDER BY is refused. */
    static SortPlan of(PlainSelect plain, ShardColumns columns, AggregatePlan aggregates, Functions functions)
            throws Refusal {
        SortPlan plan = new SortPlan();
        if (plain.getOrderByElements() == null) {
            return plan;
        }
        for (OrderByElement o : plain.getOrderByElements()) {
            Expression e = o.getExpression();
            boolean descending = !o.isAsc();
            boolean nullsFirst = o.getNullOrdering() == null ? descending
                    : o.getNullOrdering() == OrderByElement.NullOrdering.NULLS_FIRST;
            if (e instanceof JdbcParameter p && p.getIndex() != null) {
                plan.keys.add(new Sort(null, new ValueRef.Placeholder(p.getIndex()), descending, nullsFirst));
                continue;
            }
            if (e instanceof LongValue position) {
                plan.keys.add(new Sort(null, new ValueRef.Constant(position.getStringValue()), descending, nullsFirst));
                continue;
            }
            int item = columns.item(e);
            Ref column;
            if (item >= 0 && columns.isKnown(item)) {
                column = new Ref(false, item);
            } else if (aggregates != null && AggregatePlan.mergeable(e, functions) != null) {
                column = aggregates.aggregateColumn(e);
            } else if (MergeRefusals.hasAggregate(e, functions)) {
                throw new Refusal("ORDER BY an expression computed from an aggregate over several shards"
                        + " (select the aggregate itself and order by it)");
            } else {
                column = columns.addHidden(e);
            }
            plan.keys.add(new Sort(column, null, descending, nullsFirst));
        }
        return plan;
    }

    boolean isEmpty() {
        return keys.isEmpty();
    }

    /** The keys as the merge numbers their columns: call once every hidden column is added. */
    List<MergePlan.PlannedSort> planned(ShardColumns columns) {
        return keys.stream()
                .map(s -> new MergePlan.PlannedSort(s.column() == null ? 0 : columns.column(s.column()), s.ordinal(),
                        s.descending(), s.nullsFirst()))
                .toList();
    }
}
