package dev.pgsteer.router.merge;

import java.util.List;
import java.util.regex.Pattern;
import net.sf.jsqlparser.statement.select.GroupByElement;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * What in a SELECT pgsteer cannot merge across shards: FETCH, {@code LIMIT a, b}, DISTINCT ON,
 * window functions, grouping sets, and (asked by each part of the plan) aggregates it cannot
 * combine: the merge combines count, sum, min, max and avg only.
 */
final class MergeRefusals {
    private static final Pattern AGGREGATE_CALL = Pattern.compile("(?<![\\w.$\"])(count|sum|avg|min|max|array_agg|string_agg"
            + "|bool_and|bool_or|every|json_agg|jsonb_agg|json_object_agg|jsonb_object_agg|xmlagg|bit_and|bit_or|bit_xor"
            + "|stddev\\w*|variance|var_pop|var_samp|percentile_cont|percentile_disc|mode|corr|covar_pop|covar_samp"
            + "|regr_\\w+|range_agg|range_intersect_agg|any_value)\\s*\\(", Pattern.CASE_INSENSITIVE);
    private static final Pattern WINDOW = Pattern.compile("\\)\\s*over\\s*[(\\w]", Pattern.CASE_INSENSITIVE);
    private static final Pattern GROUPING_SETS = Pattern.compile("(?<![\\w$])(rollup|cube|grouping\\s+sets)\\s*\\(",
            Pattern.CASE_INSENSITIVE);

    private MergeRefusals() {
    }

    /** The refusals that do not depend on the plan: checked first, in this order. */
    static void check(PlainSelect plain, List<SelectItem<?>> items) throws Refusal {
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

    /** Whether the printed node calls an aggregate function, its own or in a subquery. */
    static boolean hasAggregate(Object node) {
        return node != null && AGGREGATE_CALL.matcher(node.toString()).find();
    }

    /** Whether {@code name} (lower case, unqualified) is one of PostgreSQL's aggregate functions. */
    static boolean isAggregateName(String name) {
        return hasAggregate(name + "(");
    }

    /** Whether the printed node has a window function ({@code ... ) OVER}). */
    static boolean hasWindow(Object node) {
        return node != null && WINDOW.matcher(node.toString()).find();
    }

    private static boolean hasGroupingSets(GroupByElement groupBy) {
        return GROUPING_SETS.matcher(groupBy.toString()).find();
    }
}
