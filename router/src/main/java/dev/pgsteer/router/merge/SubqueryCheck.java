package dev.pgsteer.router.merge;

import dev.pgsteer.router.plan.Functions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import net.sf.jsqlparser.expression.AnyComparisonExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Whether the subqueries of a SELECT that runs on several shards still give the right answer there:
 * a subquery over a sharded table that aggregates, groups, limits or combines rows would see only
 * each shard's own rows. Asked by the analysis of a SELECT, before any merge is planned.
 */
public final class SubqueryCheck {
    private SubqueryCheck() {
    }

    /**
     * Why a subquery of {@code select} would give a wrong answer when the statement runs on several
     * shards (each would see only its own rows), or null: a subquery over a sharded table with an
     * aggregate (pg_catalog's or one of {@code functions}), GROUP BY, DISTINCT, LIMIT, a window
     * function or a set operation.
     */
    public static String refusal(Select select, Predicate<String> isShardedTable, Functions functions) {
        List<Select> children = new ArrayList<>();
        children(select, children);
        for (Select child : children) {
            if (!distributes(child, functions) && touchesSharded(child, isShardedTable)) {
                return "a subquery over a sharded table with an aggregate, GROUP BY, DISTINCT, LIMIT, a window function"
                        + " or a set operation over several shards (it would see each shard's rows apart)";
            }
            String nested = refusal(child, isShardedTable, functions);
            if (nested != null) {
                return nested;
            }
        }
        return null;
    }

    private static void children(Select select, List<Select> out) {
        if (select.getWithItemsList() != null) {
            select.getWithItemsList().forEach(with -> {
                if (with.getSelect() != null) {
                    out.add(with.getSelect());
                }
            });
        }
        switch (select) {
            case PlainSelect plain -> {
                fromChildren(plain.getFromItem(), out);
                if (plain.getJoins() != null) {
                    for (Join join : plain.getJoins()) {
                        fromChildren(join.getRightItem(), out);
                        if (join.getOnExpressions() != null) {
                            join.getOnExpressions().forEach(on -> expressionChildren(on, out));
                        }
                    }
                }
                expressionChildren(plain.getWhere(), out);
                expressionChildren(plain.getHaving(), out);
                plain.getSelectItems().forEach(item -> expressionChildren(item.getExpression(), out));
            }
            case SetOperationList set -> set.getSelects().forEach(s -> children(s, out));
            case ParenthesedSelect parenthesed -> children(parenthesed.getSelect(), out);
            default -> {
            }
        }
    }

    private static void fromChildren(FromItem item, List<Select> out) {
        switch (item) {
            case ParenthesedSelect sub -> out.add(sub.getSelect());
            case ParenthesedFromItem p -> {
                fromChildren(p.getFromItem(), out);
                if (p.getJoins() != null) {
                    p.getJoins().forEach(j -> fromChildren(j.getRightItem(), out));
                }
            }
            case null, default -> {
            }
        }
    }

    private static void expressionChildren(Expression expression, List<Select> out) {
        if (expression == null) {
            return;
        }
        expression.accept(new ExpressionVisitorAdapter<Void>() {
            // A subquery of an expression comes to visit(Select), as a ParenthesedSelect.
            @Override
            public <S> Void visit(Select sub, S context) {
                out.add(sub instanceof ParenthesedSelect p ? p.getSelect() : sub);
                return null;
            }

            // x > ALL (SELECT ...), x = ANY (SELECT ...): the adapter does not walk into these.
            @Override
            public <S> Void visit(AnyComparisonExpression any, S context) {
                if (any.getSelect() != null) {
                    out.add(any.getSelect() instanceof ParenthesedSelect p ? p.getSelect() : any.getSelect());
                }
                return null;
            }
        }, null);
    }

    /** Whether running {@code select} on each shard and concatenating gives the rows it gives on all of them. */
    private static boolean distributes(Select select, Functions functions) {
        return switch (select) {
            case PlainSelect p -> p.getGroupBy() == null && p.getHaving() == null && p.getDistinct() == null
                    && p.getLimit() == null && p.getOffset() == null && p.getFetch() == null
                    && p.getSelectItems().stream().noneMatch(i -> MergeRefusals.hasAggregate(i, functions) || MergeRefusals.hasWindow(i));
            case ParenthesedSelect parenthesed -> distributes(parenthesed.getSelect(), functions);
            default -> false;
        };
    }

    private static boolean touchesSharded(Select select, Predicate<String> isShardedTable) {
        try {
            return new TablesNamesFinder<Void>().getTables((Statement) select).stream()
                    .anyMatch(isShardedTable);
        } catch (RuntimeException e) {
            return true;
        }
    }
}
