package dev.pgsteer.router.merge;

import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.MergePlan;
import dev.pgsteer.router.plan.Functions;
import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Plans how the rows of a SELECT that runs on several shards are merged, and rewrites the SELECT
 * each shard runs so the merge has what it needs:
 *
 * <ul>
 *   <li>LIMIT n OFFSET m becomes LIMIT (n + m) on each shard; the offset and limit are applied after the merge;</li>
 *   <li>avg(x) becomes sum(x) in its place and count(x) in a hidden column;</li>
 *   <li>ORDER BY and GROUP BY expressions that are not in the select list, and aggregates that HAVING
 *       compares, are appended as hidden columns;</li>
 *   <li>with aggregates or GROUP BY, HAVING conditions on aggregates, ORDER BY, LIMIT, OFFSET and
 *       DISTINCT are taken off the shards' statement and applied to the merged groups.</li>
 * </ul>
 *
 * What cannot be merged correctly is refused with a reason that names the construct
 * ({@link MergeRefusals}, and each part as it plans). The parts: {@link AggregatePlan} (with HAVING),
 * {@link SortPlan}, {@link PagePlan}, over the {@link ShardColumns}; {@link CollationCheck} refuses
 * orderings only PostgreSQL knows (text in a linguistic collation); {@link SelectRewriter} then
 * rewrites the tree. Pure and
 * value-independent: the plan is cached with the statement's shape.
 */
public final class SelectMergePlanner {

    /**
     * A plan (null when rows only need concatenating), or the reason the SELECT cannot be merged;
     * {@code catalogGap}: that reason is a name the catalog pgsteer read did not have.
     */
    public record Outcome(MergePlan plan, String refusal, boolean catalogGap) {
    }

    private SelectMergePlanner() {
    }

    /**
     * Plans the merge of {@code plain} and rewrites it, in place, into what each shard runs; a call
     * of one of {@code functions} is an aggregate pgsteer cannot merge.
     */
    public static Outcome plan(PlainSelect plain, Collations collations, Functions functions) {
        try {
            return new Outcome(planned(plain, collations, functions), null, false);
        } catch (Refusal r) {
            return new Outcome(null, r.getMessage(), r.catalogGap());
        } catch (JSQLParserException | RuntimeException e) {
            return new Outcome(null, "a SELECT that pgsteer could not rewrite for merging", false);
        }
    }

    private static MergePlan planned(PlainSelect plain, Collations collations, Functions functions)
            throws Refusal, JSQLParserException {
        ShardColumns columns = new ShardColumns(plain.getSelectItems());
        MergeRefusals.check(plain, columns.items(), functions);
        boolean anyAggregate = false;
        for (SelectItem<?> item : columns.items()) {
            Expression e = item.getExpression();
            if (e instanceof AllColumns) {
                continue;
            }
            if (AggregatePlan.mergeable(e, functions) != null) {
                anyAggregate = true;
            } else if (MergeRefusals.hasAggregate(e, functions)) {
                throw new Refusal("an expression computed from an aggregate over several shards"
                        + " (select the aggregate itself: count, sum, min, max or avg)");
            }
        }
        boolean aggregate = anyAggregate || plain.getGroupBy() != null || plain.getHaving() != null;
        if (aggregate && columns.star()) {
            throw new Refusal("GROUP BY or an aggregate with * in the select list over several shards (name the columns)");
        }
        CollationCheck.check(plain, aggregate || plain.getDistinct() != null, collations);

        List<SelectItem<?>> shardItems = new ArrayList<>(columns.items());
        AggregatePlan aggregates = null;
        if (aggregate) {
            aggregates = new AggregatePlan(plain, columns, functions);
            aggregates.plan(shardItems);
        }
        SortPlan sort = SortPlan.of(plain, columns, aggregates, functions);
        PagePlan page = PagePlan.of(plain);
        boolean distinct = plain.getDistinct() != null;
        if (!aggregate && sort.isEmpty() && page.isEmpty() && !distinct) {
            return null;
        }

        SelectRewriter.rewrite(plain, shardItems, columns.hidden(), aggregate,
                aggregate ? aggregates.keptHaving() : null, page);
        return new MergePlan(plain.toString(), sort.planned(columns), page.limit(), page.offset(), aggregate,
                aggregate ? aggregates.aggregates() : List.of(), distinct, columns.hidden().size(),
                aggregate ? aggregates.having() : List.of());
    }
}
