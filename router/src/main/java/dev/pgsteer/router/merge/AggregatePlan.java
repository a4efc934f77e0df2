package dev.pgsteer.router.merge;

import dev.pgsteer.router.merge.ShardColumns.Ref;
import dev.pgsteer.router.plan.MergePlan;
import dev.pgsteer.router.plan.SelectMerge;
import dev.pgsteer.router.plan.Functions;
import dev.pgsteer.router.plan.ValueRef;
import dev.pgsteer.router.syntax.ValueRefs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.GreaterThan;
import net.sf.jsqlparser.expression.operators.relational.GreaterThanEquals;
import net.sf.jsqlparser.expression.operators.relational.MinorThan;
import net.sf.jsqlparser.expression.operators.relational.MinorThanEquals;
import net.sf.jsqlparser.expression.operators.relational.NotEqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * The grouping part of a merge: which columns hold partial aggregates and how they combine (count
 * and sum add up, min and max compare, avg is sent as sum with a hidden count and divided after the
 * merge), which GROUP BY expressions must be added as hidden columns of the group key, and which
 * HAVING conditions move from the shards to the merged groups.
 */
final class AggregatePlan {
    private static final Set<String> MERGEABLE = Set.of("count", "sum", "avg", "min", "max");

    private record Agg(Ref column, SelectMerge.Function function, Ref count) {
    }

    private record Having(Ref column, SelectMerge.Comparison op, ValueRef value) {
    }

    private final PlainSelect plain;
    private final ShardColumns columns;
    private final Functions functions;
    private final List<Agg> aggregates = new ArrayList<>();
    private final List<Having> having = new ArrayList<>();
    /** The HAVING conditions that stay with the shards (no aggregate in them), or null. */
    private Expression keptHaving;

    AggregatePlan(PlainSelect plain, ShardColumns columns, Functions functions) {
        this.plain = plain;
        this.columns = columns;
        this.functions = functions;
    }

    /**
     * The aggregates of the select list, in the list's place in {@code shardItems} (avg becomes sum,
     * keeping its name), then the GROUP BY and HAVING parts.
     */
    void plan(List<SelectItem<?>> shardItems) throws Refusal, JSQLParserException {
        List<SelectItem<?>> items = columns.items();
        for (int i = 0; i < items.size(); i++) {
            SelectItem<?> item = items.get(i);
            String function = mergeable(item.getExpression());
            if (function == null) {
                continue;
            }
            if (function.equals("avg")) {
                SelectItem<Expression> sum = new SelectItem<>(renamed(item.getExpression(), "sum"));
                sum.setAlias(item.getAlias() != null ? item.getAlias() : new Alias("avg", true));
                shardItems.set(i, sum);
                aggregates.add(new Agg(new Ref(false, i), SelectMerge.Function.AVG,
                        columns.addHidden(renamed(item.getExpression(), "count"))));
            } else {
                aggregates.add(new Agg(new Ref(false, i), function(function), null));
            }
        }
        groupBy();
        splitHaving();
    }

    Expression keptHaving() {
        return keptHaving;
    }

    /** GROUP BY expressions the select list does not show become hidden columns of the group key. */
    private void groupBy() throws Refusal {
        if (plain.getGroupBy() == null || plain.getGroupBy().getGroupByExpressionList() == null) {
            return;
        }
        for (Object o : plain.getGroupBy().getGroupByExpressionList()) {
            Expression g = (Expression) o;
            if (g instanceof JdbcParameter || g instanceof LongValue) {
                // A position in the select list (or a constant): nothing to add.
                continue;
            }
            int item = columns.item(g);
            if (item >= 0 && mergeable(columns.items().get(item).getExpression()) == null) {
                continue;
            }
            if (MergeRefusals.hasAggregate(g, functions)) {
                throw new Refusal("an aggregate in GROUP BY over several shards");
            }
            columns.addHidden(g);
        }
    }

    /** HAVING conditions on aggregates move to the merge; the others stay with the shards. */
    private void splitHaving() throws Refusal {
        if (plain.getHaving() == null) {
            return;
        }
        List<Expression> conjuncts = new ArrayList<>();
        conjuncts(plain.getHaving(), conjuncts);
        for (Expression c : conjuncts) {
            if (!MergeRefusals.hasAggregate(c, functions)) {
                keptHaving = keptHaving == null ? c : new AndExpression(keptHaving, c);
                continue;
            }
            SelectMerge.Comparison op = comparison(c);
            if (op != null) {
                BinaryExpression binary = (BinaryExpression) c;
                Expression left = binary.getLeftExpression();
                Expression right = binary.getRightExpression();
                ValueRef rightValue = ValueRefs.of(right);
                ValueRef leftValue = ValueRefs.of(left);
                if (mergeable(left) != null && rightValue != null) {
                    having.add(new Having(aggregateColumn(left), op, rightValue));
                    continue;
                }
                if (mergeable(right) != null && leftValue != null) {
                    having.add(new Having(aggregateColumn(right), op.flipped(), leftValue));
                    continue;
                }
            }
            throw new Refusal("a HAVING condition over several shards that is not an aggregate (count, sum, min, max, avg)"
                    + " compared with a constant");
        }
    }

    private static void conjuncts(Expression e, List<Expression> out) {
        if (e instanceof AndExpression and) {
            conjuncts(and.getLeftExpression(), out);
            conjuncts(and.getRightExpression(), out);
        } else if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1 && list.get(0) instanceof Expression inner) {
            conjuncts(inner, out);
        } else {
            out.add(e);
        }
    }

    private static SelectMerge.Comparison comparison(Expression e) {
        return switch (e) {
            case EqualsTo ignored -> SelectMerge.Comparison.EQ;
            case NotEqualsTo ignored -> SelectMerge.Comparison.NE;
            case GreaterThan ignored -> SelectMerge.Comparison.GT;
            case GreaterThanEquals ignored -> SelectMerge.Comparison.GE;
            case MinorThan ignored -> SelectMerge.Comparison.LT;
            case MinorThanEquals ignored -> SelectMerge.Comparison.LE;
            default -> null;
        };
    }

    /** The column holding the merged value of aggregate {@code e}: its item, or new hidden columns. */
    Ref aggregateColumn(Expression e) throws Refusal {
        int item = columns.item(e);
        if (item >= 0 && mergeable(columns.items().get(item).getExpression()) != null) {
            return new Ref(false, item);
        }
        String function = mergeable(e);
        try {
            if (function.equals("avg")) {
                Ref sum = columns.addHidden(renamed(e, "sum"));
                aggregates.add(new Agg(sum, SelectMerge.Function.AVG, columns.addHidden(renamed(e, "count"))));
                return sum;
            }
        } catch (JSQLParserException ex) {
            throw new Refusal("a SELECT that pgsteer could not rewrite for merging");
        }
        Ref ref = columns.addHidden(e);
        aggregates.add(new Agg(ref, function(function), null));
        return ref;
    }

    /** The aggregates as the merge numbers their columns: call once every hidden column is added. */
    List<SelectMerge.Aggregate> aggregates() {
        return aggregates.stream()
                .map(a -> new SelectMerge.Aggregate(columns.column(a.column()), a.function(),
                        a.count() == null ? 0 : columns.column(a.count())))
                .toList();
    }

    /** The HAVING terms as the merge numbers their columns: call once every hidden column is added. */
    List<MergePlan.PlannedHaving> having() {
        return having.stream()
                .map(h -> new MergePlan.PlannedHaving(columns.column(h.column()), h.op(), h.value()))
                .toList();
    }

    /** {@link #mergeable(Expression, Functions)} with this SELECT's database's aggregates. */
    private String mergeable(Expression e) throws Refusal {
        return mergeable(e, functions);
    }

    /**
     * The name of the aggregate {@code e} is, if pgsteer can merge it (count, sum, min, max, avg, with
     * FILTER or not); null if {@code e} is no such call. DISTINCT aggregates are refused, and so is a
     * call of a name that the database's own aggregates have (even sum: PostgreSQL may resolve the
     * call to the database's sum, whose partials pgsteer cannot combine), and one written with its
     * schema ({@code pg_catalog.count(*)}, sent to the coordinator rather than unqualified here).
     */
    static String mergeable(Expression e, Functions functions) throws Refusal {
        String written;
        boolean distinct;
        if (e instanceof Function f && f.getName() != null) {
            written = f.getName();
            distinct = f.isDistinct() || f.isUnique();
            if (f.getKeep() != null || f.getOrderByElements() != null) {
                return null;
            }
        } else if (e instanceof AnalyticExpression a && a.getType() == AnalyticType.FILTER_ONLY && a.getName() != null) {
            written = a.getName();
            distinct = a.isDistinct() || a.isUnique();
        } else {
            return null;
        }
        Functions.Kind own = CallFinder.userAggregate(written, functions);
        if (own != null) {
            throw new Refusal(switch (own) {
                case AGGREGATE -> written + "(), an aggregate of the database's own, over several shards (pgsteer merges"
                        + " pg_catalog's count, sum, min, max and avg only)";
                case AGGREGATE_OR_FUNCTION -> written + "(), which the database has both as an aggregate and as an ordinary"
                        + " function, over several shards (pgsteer cannot tell which the call is, so it does not merge it)";
            });
        }
        String name = written.toLowerCase(Locale.ROOT);
        if (written.contains(".")) {
            if (CallFinder.isBuiltinAggregate(written)) {
                throw new Refusal("the aggregate " + name + "() written with its schema over several shards");
            }
            return null;
        }
        if (!MERGEABLE.contains(name)) {
            if (CallFinder.isBuiltinAggregate(name)) {
                throw new Refusal("the aggregate " + name + "() over several shards (pgsteer merges count, sum, min,"
                        + " max and avg)");
            }
            return null;
        }
        if (distinct) {
            throw new Refusal(name + "(DISTINCT ...) over several shards");
        }
        return name;
    }

    private static SelectMerge.Function function(String name) {
        return SelectMerge.Function.valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** {@code avg(x) FILTER (...)} as {@code sum(x) FILTER (...)}: the same arguments, another aggregate. */
    private static Expression renamed(Expression aggregate, String name) throws JSQLParserException {
        String text = aggregate.toString();
        return CCJSqlParserUtil.parseExpression(name + text.substring(text.indexOf('(')));
    }
}
