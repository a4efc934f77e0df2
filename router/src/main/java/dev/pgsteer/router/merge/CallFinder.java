package dev.pgsteer.router.merge;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JsonAggregateFunction;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * A walk over an expression and everything in it, subqueries included, that notes the function
 * calls the merge cares about: aggregates, window functions, ROLLUP and CUBE. JSQLParser's
 * {@link TablesNamesFinder} visits every node; this one only looks at the calls on its way.
 */
final class CallFinder extends TablesNamesFinder<Void> {
    /** PostgreSQL's aggregate functions (of pg_aggregate), by unqualified name. */
    private static final Set<String> AGGREGATES = Set.of("count", "sum", "avg", "min", "max", "array_agg", "string_agg",
            "bool_and", "bool_or", "every", "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg", "xmlagg",
            "bit_and", "bit_or", "bit_xor", "variance", "var_pop", "var_samp", "percentile_cont", "percentile_disc",
            "mode", "corr", "covar_pop", "covar_samp", "range_agg", "range_intersect_agg", "any_value");
    /**
     * stddev, stddev_pop, stddev_samp; regr_avgx, regr_count, regr_slope, ...; json_agg_strict,
     * jsonb_object_agg_unique_strict, ... (rank, dense_rank, percent_rank and cume_dist are aggregates
     * with WITHIN GROUP only, below).
     */
    private static final Pattern FAMILIES = Pattern.compile("stddev\\w*|regr_\\w+|jsonb?_agg_strict|jsonb?_object_agg(_unique)?(_strict)?");

    boolean aggregate;
    boolean window;
    boolean groupingSet;

    /** Whether {@code name} (a function's name as written: lower case, unqualified and unquoted to count) is an aggregate. */
    static boolean isAggregateName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return AGGREGATES.contains(lower) || FAMILIES.matcher(lower).matches();
    }

    /**
     * The calls in {@code expression}. Where JSQLParser's walk does not know a node or fails, every
     * flag is set: the merge then refuses the SELECT rather than merge it wrongly.
     */
    static CallFinder in(Expression expression) {
        CallFinder finder = new CallFinder();
        try {
            finder.getTables(expression);
        } catch (RuntimeException e) {
            // UnsupportedOperationException for a node it does not know; a NullPointerException in
            // JSQLParser 5.3's own walk of a window frame without BETWEEN (ROWS UNBOUNDED PRECEDING).
            finder.aggregate = true;
            finder.window = true;
            finder.groupingSet = true;
        }
        return finder;
    }

    @Override
    public <S> Void visit(Function function, S context) {
        note(function.getName());
        if (function.getName() != null) {
            String lower = function.getName().toLowerCase(Locale.ROOT);
            groupingSet |= lower.equals("rollup") || lower.equals("cube");
        }
        return super.visit(function, context);
    }

    @Override
    public <S> Void visit(AnalyticExpression analytic, S context) {
        note(analytic.getName());
        // f(...) WITHIN GROUP (ORDER BY ...) is an ordered-set or hypothetical-set aggregate, whatever
        // its name: rank(250) WITHIN GROUP (...) is an aggregate, rank() OVER (...) a window function.
        aggregate |= analytic.getType() == AnalyticType.WITHIN_GROUP || analytic.getType() == AnalyticType.WITHIN_GROUP_OVER;
        window |= analytic.getType() == AnalyticType.OVER || analytic.getType() == AnalyticType.WITHIN_GROUP_OVER;
        return super.visit(analytic, context);
    }

    /** JSON_ARRAYAGG(...) and JSON_OBJECTAGG(...), SQL/JSON's aggregates, have a node of their own. */
    @Override
    public <S> Void visit(JsonAggregateFunction json, S context) {
        aggregate = true;
        return super.visit(json, context);
    }

    private void note(String name) {
        aggregate |= name != null && isAggregateName(name);
    }
}
