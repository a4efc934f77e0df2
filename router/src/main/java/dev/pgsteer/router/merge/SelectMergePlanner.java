package dev.pgsteer.router.merge;

import java.util.ArrayList;
import dev.pgsteer.router.plan.MergePlan;
import dev.pgsteer.router.plan.SelectMerge;
import dev.pgsteer.router.plan.ValueRef;
import dev.pgsteer.router.syntax.Identifiers;
import dev.pgsteer.router.syntax.ValueRefs;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.AllValue;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.GreaterThan;
import net.sf.jsqlparser.expression.operators.relational.GreaterThanEquals;
import net.sf.jsqlparser.expression.operators.relational.MinorThan;
import net.sf.jsqlparser.expression.operators.relational.MinorThanEquals;
import net.sf.jsqlparser.expression.operators.relational.NotEqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.util.TablesNamesFinder;

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
 * What cannot be merged correctly is refused with a reason that names the construct. Pure and
 * value-independent: the plan is cached with the statement's shape.
 */
public final class SelectMergePlanner {
    private static final Set<String> MERGEABLE = Set.of("count", "sum", "avg", "min", "max");

    /** A plan (null when rows only need concatenating), or the reason the SELECT cannot be merged. */
    public record Outcome(MergePlan plan, String refusal) {
    }

    /** A column while planning: an item of the select list, or the {@code index}th hidden column. */
    private record Ref(boolean hidden, int index) {
    }

    private record Sort(Ref column, ValueRef ordinal, boolean descending, boolean nullsFirst) {
    }

    private record Agg(Ref column, SelectMerge.Function function, Ref count) {
    }

    private record Having(Ref column, SelectMerge.Comparison op, ValueRef value) {
    }

    private static final class Refusal extends Exception {
        Refusal(String reason) {
            super(reason, null, false, false);
        }
    }

    private final PlainSelect plain;
    private final List<SelectItem<?>> items;
    /** The item's column number, or -1 after a {@code *} (whose width pgsteer does not know). */
    private final int[] known;
    private final List<Expression> hidden = new ArrayList<>();
    private final List<Agg> aggregates = new ArrayList<>();

    private SelectMergePlanner(PlainSelect plain) {
        this.plain = plain;
        this.items = new ArrayList<>(plain.getSelectItems());
        this.known = new int[items.size()];
    }

    /** Plans the merge of {@code plain} and rewrites it, in place, into what each shard runs. */
    public static Outcome plan(PlainSelect plain) {
        try {
            return new Outcome(new SelectMergePlanner(plain).plan(), null);
        } catch (Refusal r) {
            return new Outcome(null, r.getMessage());
        } catch (JSQLParserException | RuntimeException e) {
            return new Outcome(null, "a SELECT that pgsteer could not rewrite for merging");
        }
    }

    private MergePlan plan() throws Refusal, JSQLParserException {
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
                || items.stream().anyMatch(MergeRefusals::hasWindow) || MergeRefusals.hasWindow(plain.getOrderByElements())) {
            throw new Refusal("a window function over several shards");
        }
        if (plain.getGroupBy() != null && MergeRefusals.hasGroupingSets(plain.getGroupBy())) {
            throw new Refusal("GROUPING SETS, ROLLUP or CUBE over several shards");
        }

        boolean star = false;
        boolean anyAggregate = false;
        for (int i = 0; i < items.size(); i++) {
            Expression e = items.get(i).getExpression();
            if (e instanceof AllColumns) {
                star = true;
                known[i] = -1;
                continue;
            }
            known[i] = star ? -1 : i;
            if (mergeable(e) != null) {
                anyAggregate = true;
            } else if (MergeRefusals.hasAggregate(e)) {
                throw new Refusal("an expression computed from an aggregate over several shards"
                        + " (select the aggregate itself: count, sum, min, max or avg)");
            }
        }
        boolean aggregate = anyAggregate || plain.getGroupBy() != null || plain.getHaving() != null;
        if (aggregate && star) {
            throw new Refusal("GROUP BY or an aggregate with * in the select list over several shards (name the columns)");
        }

        List<SelectItem<?>> shardItems = new ArrayList<>(items);
        if (aggregate) {
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
                            addHidden(renamed(item.getExpression(), "count"))));
                } else {
                    aggregates.add(new Agg(new Ref(false, i), function(function), null));
                }
            }
            groupBy();
        }
        List<Having> having = aggregate ? having() : List.of();
        List<Sort> sort = orderBy(aggregate);
        ValueRef limit = plain.getLimit() == null || plain.getLimit().getRowCount() == null
                || plain.getLimit().getRowCount() instanceof AllValue ? null : count(plain.getLimit().getRowCount());
        ValueRef offset = plain.getOffset() == null ? null : count(plain.getOffset().getOffset());
        boolean distinct = plain.getDistinct() != null;

        if (!aggregate && sort.isEmpty() && limit == null && offset == null && !distinct) {
            return null;
        }

        // The statement each shard runs.
        for (Expression e : hidden) {
            shardItems.add(new SelectItem<>(e));
        }
        plain.setSelectItems(shardItems);
        if (aggregate) {
            plain.setOrderByElements(null);
            plain.setLimit(null);
            plain.setOffset(null);
            plain.setDistinct(null);
        } else if (offset != null) {
            if (limit != null) {
                plain.getLimit().setRowCount(CCJSqlParserUtil.parseExpression("(" + plain.getLimit().getRowCount()
                        + "::bigint + " + plain.getOffset().getOffset() + "::bigint)"));
            }
            plain.setOffset(null);
        }

        List<MergePlan.PlannedSort> plannedSort = sort.stream()
                .map(s -> new MergePlan.PlannedSort(s.column() == null ? 0 : column(s.column()), s.ordinal(),
                        s.descending(), s.nullsFirst()))
                .toList();
        List<SelectMerge.Aggregate> plannedAggregates = aggregates.stream()
                .map(a -> new SelectMerge.Aggregate(column(a.column()), a.function(), a.count() == null ? 0 : column(a.count())))
                .toList();
        List<MergePlan.PlannedHaving> plannedHaving = having.stream()
                .map(h -> new MergePlan.PlannedHaving(column(h.column()), h.op(), h.value()))
                .toList();
        return new MergePlan(plain.toString(), plannedSort, limit, offset, aggregate, plannedAggregates, distinct,
                hidden.size(), plannedHaving);
    }

    /** A column as the merge numbers it: hidden columns count from the end (-1 is the last). */
    private int column(Ref ref) {
        return ref.hidden() ? ref.index() - hidden.size() : known[ref.index()];
    }

    private Ref addHidden(Expression e) {
        hidden.add(e);
        return new Ref(true, hidden.size() - 1);
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
            int item = item(g);
            if (item >= 0 && mergeable(items.get(item).getExpression()) == null) {
                continue;
            }
            if (MergeRefusals.hasAggregate(g)) {
                throw new Refusal("an aggregate in GROUP BY over several shards");
            }
            addHidden(g);
        }
    }

    /** HAVING conditions on aggregates move to the merge; the others stay with the shards. */
    private List<Having> having() throws Refusal {
        List<Having> terms = new ArrayList<>();
        if (plain.getHaving() == null) {
            return terms;
        }
        List<Expression> conjuncts = new ArrayList<>();
        conjuncts(plain.getHaving(), conjuncts);
        Expression kept = null;
        for (Expression c : conjuncts) {
            if (!MergeRefusals.hasAggregate(c)) {
                kept = kept == null ? c : new AndExpression(kept, c);
                continue;
            }
            SelectMerge.Comparison op = comparison(c);
            if (op != null) {
                var binary = (net.sf.jsqlparser.expression.BinaryExpression) c;
                Expression left = binary.getLeftExpression();
                Expression right = binary.getRightExpression();
                ValueRef rightValue = ValueRefs.of(right);
                ValueRef leftValue = ValueRefs.of(left);
                if (mergeable(left) != null && rightValue != null) {
                    terms.add(new Having(aggregateColumn(left), op, rightValue));
                    continue;
                }
                if (mergeable(right) != null && leftValue != null) {
                    terms.add(new Having(aggregateColumn(right), op.flipped(), leftValue));
                    continue;
                }
            }
            throw new Refusal("a HAVING condition over several shards that is not an aggregate (count, sum, min, max, avg)"
                    + " compared with a constant");
        }
        plain.setHaving(kept);
        return terms;
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
    private Ref aggregateColumn(Expression e) throws Refusal {
        int item = item(e);
        if (item >= 0 && mergeable(items.get(item).getExpression()) != null) {
            return new Ref(false, item);
        }
        String function = mergeable(e);
        try {
            if (function.equals("avg")) {
                Ref sum = addHidden(renamed(e, "sum"));
                aggregates.add(new Agg(sum, SelectMerge.Function.AVG, addHidden(renamed(e, "count"))));
                return sum;
            }
        } catch (JSQLParserException ex) {
            throw new Refusal("a SELECT that pgsteer could not rewrite for merging");
        }
        Ref ref = addHidden(e);
        aggregates.add(new Agg(ref, function(function), null));
        return ref;
    }

    private List<Sort> orderBy(boolean aggregate) throws Refusal {
        List<Sort> sort = new ArrayList<>();
        if (plain.getOrderByElements() == null) {
            return sort;
        }
        for (OrderByElement o : plain.getOrderByElements()) {
            Expression e = o.getExpression();
            boolean descending = !o.isAsc();
            boolean nullsFirst = o.getNullOrdering() == null ? descending
                    : o.getNullOrdering() == OrderByElement.NullOrdering.NULLS_FIRST;
            if (e instanceof JdbcParameter p && p.getIndex() != null) {
                sort.add(new Sort(null, new ValueRef.Placeholder(p.getIndex()), descending, nullsFirst));
                continue;
            }
            if (e instanceof LongValue position) {
                sort.add(new Sort(null, new ValueRef.Constant(position.getStringValue()), descending, nullsFirst));
                continue;
            }
            int item = item(e);
            Ref column;
            if (item >= 0 && known[item] >= 0) {
                column = new Ref(false, item);
            } else if (aggregate && mergeable(e) != null) {
                column = aggregateColumn(e);
            } else if (MergeRefusals.hasAggregate(e)) {
                throw new Refusal("ORDER BY an expression computed from an aggregate over several shards"
                        + " (select the aggregate itself and order by it)");
            } else {
                column = addHidden(e);
            }
            sort.add(new Sort(column, null, descending, nullsFirst));
        }
        return sort;
    }

    /** The select item {@code e} names: by output name (a bare column name), else by equal text; -1 if none. */
    private int item(Expression e) {
        if (e instanceof Column c && c.getTable() == null) {
            String name = Identifiers.identifier(c.getColumnName());
            for (int i = 0; i < items.size(); i++) {
                Alias alias = items.get(i).getAlias();
                if (alias != null && Identifiers.identifier(alias.getName()).equals(name)) {
                    return i;
                }
            }
        }
        String text = e.toString();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).getExpression().toString().equalsIgnoreCase(text)) {
                return i;
            }
        }
        return -1;
    }

    /** The LIMIT or OFFSET count: a literal or a parameter. */
    private static ValueRef count(Expression e) throws Refusal {
        return switch (e) {
            case JdbcParameter p when p.getIndex() != null -> new ValueRef.Placeholder(p.getIndex());
            case LongValue v -> new ValueRef.Constant(v.getStringValue());
            case NullValue ignored -> new ValueRef.Null();
            default -> throw new Refusal("LIMIT or OFFSET computed by an expression over several shards (give a number"
                    + " or a parameter)");
        };
    }

    /**
     * The name of the aggregate {@code e} is, if pgsteer can merge it (count, sum, min, max, avg, with
     * FILTER or not); null if {@code e} is no such call. DISTINCT aggregates are refused.
     */
    private static String mergeable(Expression e) throws Refusal {
        String name;
        boolean distinct;
        if (e instanceof Function f && f.getName() != null && !f.getName().contains(".")) {
            name = f.getName().toLowerCase(Locale.ROOT);
            distinct = f.isDistinct() || f.isUnique();
            if (f.getKeep() != null || f.getOrderByElements() != null) {
                return null;
            }
        } else if (e instanceof AnalyticExpression a && a.getType() == AnalyticType.FILTER_ONLY && a.getName() != null) {
            name = a.getName().toLowerCase(Locale.ROOT);
            distinct = a.isDistinct() || a.isUnique();
        } else {
            return null;
        }
        if (!MERGEABLE.contains(name)) {
            if (MergeRefusals.hasAggregate(name + "(")) {
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
