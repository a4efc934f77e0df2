package dev.pgsteer.router.merge;

import static dev.pgsteer.router.syntax.Identifiers.identifier;

import dev.pgsteer.router.plan.Functions;
import java.util.ArrayList;
import java.util.List;
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
 * Aggregates are pg_catalog's (by name, below) and the database's own ({@link Functions},
 * from its catalog): a call of a name that is both an aggregate and an ordinary function counts as
 * an aggregate, since pgsteer cannot tell which overload PostgreSQL resolves it to. A call of a name
 * the catalog did not show ({@link #unknown}) counts as an aggregate too: it may be one created on
 * the shards since pgsteer read the catalog, and the merge never guesses.
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

    /**
     * SQL's own forms that JSQLParser reads as calls but that name no function of pg_proc
     * ({@code COALESCE(...)}, {@code x = ANY(...)}, {@code GROUPING(...)}, SQL/XML and SQL/JSON).
     */
    private static final Set<String> SYNTAX = Set.of("coalesce", "nullif", "greatest", "least", "any", "some", "all",
            "rollup", "cube", "grouping", "row", "array", "exists", "values", "cast", "treat", "xmlelement", "xmlforest",
            "xmlconcat", "xmlpi", "xmlroot", "xmlparse", "xmlserialize", "xmlexists", "xmlattributes", "json", "json_object",
            "json_array", "json_scalar", "json_serialize", "json_value", "json_query", "json_exists", "json_table",
            "merge_action");

    private final Functions functions;
    /** The first call, as written, of a name the catalog did not show; null when there is none. */
    String unknown;
    boolean aggregate;
    boolean window;
    boolean groupingSet;

    private CallFinder(Functions functions) {
        this.functions = functions;
    }

    /** Whether a call of {@code name} means one of pg_catalog's aggregates (by name alone, or as pg_catalog.name). */
    static boolean isBuiltinAggregate(String name) {
        List<String> parts = parts(name);
        String last = parts.getLast();
        boolean inCatalog = parts.size() == 1 || parts.get(parts.size() - 2).equals("pg_catalog");
        return inCatalog && (AGGREGATES.contains(last) || FAMILIES.matcher(last).matches());
    }

    /** What the database's catalog says a call of {@code name} may be; null when none of its own aggregates has the name. */
    static Functions.Kind userAggregate(String name, Functions functions) {
        List<String> parts = parts(name);
        return functions.of(parts.size() == 1 ? null : parts.get(parts.size() - 2), parts.getLast());
    }

    /** A dotted name's parts, each folded as PostgreSQL folds identifiers ({@code "My"."Agg"}, {@code s.agg}). */
    private static List<String> parts(String name) {
        List<String> parts = new ArrayList<>(2);
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '.' && !quoted) {
                parts.add(identifier(name.substring(start, i).strip()));
                start = i + 1;
            }
        }
        parts.add(identifier(name.substring(start).strip()));
        return parts;
    }

    /**
     * The calls in {@code expression}. Where JSQLParser's walk does not know a node or fails, every
     * flag is set: the merge then refuses the SELECT rather than merge it wrongly.
     */
    static CallFinder in(Expression expression, Functions functions) {
        CallFinder finder = new CallFinder(functions);
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
        if (name == null) {
            return;
        }
        if (isBuiltinAggregate(name)) {
            aggregate = true;
            return;
        }
        List<String> parts = parts(name);
        String schema = parts.size() == 1 ? null : parts.get(parts.size() - 2);
        switch (functions.call(schema, parts.getLast())) {
            case OWN_AGGREGATE -> aggregate = true;
            case FUNCTION -> {
                // A scalar call: nothing to merge.
            }
            case UNKNOWN -> {
                if (schema != null || !SYNTAX.contains(parts.getLast())) {
                    aggregate = true;
                    unknown = unknown == null ? name : unknown;
                }
            }
        }
    }
}
