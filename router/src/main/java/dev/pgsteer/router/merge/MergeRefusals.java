package dev.pgsteer.router.merge;

import java.util.regex.Pattern;
import net.sf.jsqlparser.statement.select.GroupByElement;

/**
 * What in a SELECT pgsteer cannot merge across shards, looked for in the printed tree: aggregate
 * calls (the merge combines count, sum, min, max and avg only), window functions, grouping sets.
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

    static boolean hasAggregate(Object expression) {
        return expression != null && AGGREGATE_CALL.matcher(expression.toString()).find();
    }

    static boolean hasWindow(Object expression) {
        return expression != null && WINDOW.matcher(expression.toString()).find();
    }

    static boolean hasGroupingSets(GroupByElement groupBy) {
        return GROUPING_SETS.matcher(groupBy.toString()).find();
    }
}
