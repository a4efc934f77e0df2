package dev.pgsteer.router.merge;

import dev.pgsteer.router.plan.Functions;
import java.util.List;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.statement.select.GroupByElement;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * What in a SELECT pgsteer cannot merge across shards: FETCH, {@code LIMIT a, b}, DISTINCT ON,
 * window functions, grouping sets, and (asked by each part of the plan) aggregates it cannot
 * combine: the merge combines count, sum, min, max and avg only, never an aggregate of the database's
 * own ({@link Functions}), nor a call of a name the catalog did not show (it may be an aggregate
 * made on the shards since pgsteer read it). Calls are found by walking the tree ({@link CallFinder}), subqueries
 * included, not by reading the printed text.
 */
final class MergeRefusals {
    private MergeRefusals() {
    }

    /** The refusals that do not depend on the plan: checked first, in this order. */
    static void check(PlainSelect plain, List<SelectItem<?>> items, Functions functions) throws Refusal {
        String unknown = CallFinder.in(plain, functions).unknown;
        if (unknown != null) {
            throw new Refusal(unknown + "(), a function pgsteer does not know (the database's catalog did not have it when"
                    + " pgsteer last read it: it may be an aggregate made since), over several shards", true);
        }
        if (plain.getFetch() != null) {
            throw new Refusal("FETCH FIRST over several shards (write LIMIT instead)");
        }
        if (plain.getLimit() != null && plain.getLimit().getOffset() != null) {
            throw new Refusal("LIMIT offset, count over several shards (write LIMIT count OFFSET offset)");
        }
        if (plain.getDistinct() != null && plain.getDistinct().getOnSelectItems() != null) {
            throw new Refusal("DISTINCT ON over several shards");
        }
        if ((plain.getWindowDefinitions() != null && !plain.getWindowDefinitions().isEmpty())
                || items.stream().anyMatch(MergeRefusals::hasWindow) || hasWindow(plain.getOrderByElements())) {
            throw new Refusal("a window function over several shards");
        }
        if (plain.getGroupBy() != null && hasGroupingSets(plain.getGroupBy())) {
            throw new Refusal("GROUPING SETS, ROLLUP or CUBE over several shards");
        }
    }

    /** Whether {@code expression} calls an aggregate function (pg_catalog's or the database's own), itself or in a subquery. */
    static boolean hasAggregate(Expression expression, Functions functions) {
        return expression != null && CallFinder.in(expression, functions).aggregate;
    }

    static boolean hasAggregate(SelectItem<?> item, Functions functions) {
        return hasAggregate(item.getExpression(), functions);
    }

    /** Whether the item calls a window function ({@code ... OVER}), itself or in a subquery. */
    static boolean hasWindow(SelectItem<?> item) {
        return item.getExpression() != null && CallFinder.in(item.getExpression(), Functions.BUILTIN).window;
    }

    private static boolean hasWindow(List<OrderByElement> orderBy) {
        if (orderBy != null) {
            for (OrderByElement o : orderBy) {
                if (o.getExpression() != null && CallFinder.in(o.getExpression(), Functions.BUILTIN).window) {
                    return true;
                }
            }
        }
        return false;
    }

    /** GROUPING SETS (a list of its own in the tree), or ROLLUP and CUBE (calls among the expressions). */
    private static boolean hasGroupingSets(GroupByElement groupBy) {
        if (groupBy.getGroupingSets() != null && !groupBy.getGroupingSets().isEmpty()) {
            return true;
        }
        if (groupBy.getGroupByExpressionList() != null) {
            for (Object e : groupBy.getGroupByExpressionList()) {
                if (e instanceof Expression x && CallFinder.in(x, Functions.BUILTIN).groupingSet) {
                    return true;
                }
            }
        }
        return false;
    }
}
