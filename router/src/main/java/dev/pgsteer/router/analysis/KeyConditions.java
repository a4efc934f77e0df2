package dev.pgsteer.router.analysis;

import dev.pgsteer.router.plan.KeyCondition;
import dev.pgsteer.router.plan.ValueRef;
import dev.pgsteer.router.syntax.InLists;
import dev.pgsteer.router.syntax.ValueRefs;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import net.sf.jsqlparser.expression.ArrayConstructor;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;

/**
 * What a condition says about one table's shard key, as a {@link KeyCondition} tree: {@code key = v},
 * {@code key IN (...)}, {@code key = ANY(...)}, under AND and OR; anything else does not restrict it.
 */
final class KeyConditions {
    private KeyConditions() {
    }

    /** The condition {@code e} puts on the key; {@code isKey} tells the key column of the table in question. */
    static KeyCondition of(Expression e, Predicate<Expression> isKey) {
        if (e instanceof InExpression in && InLists.isMisread(in)) {
            return of(InLists.repaired(in), isKey);
        }
        if (e instanceof AndExpression and) {
            return KeyCondition.and(of(and.getLeftExpression(), isKey), of(and.getRightExpression(), isKey));
        }
        if (e instanceof OrExpression or) {
            return KeyCondition.or(of(or.getLeftExpression(), isKey), of(or.getRightExpression(), isKey));
        }
        if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1) {
            return of((Expression) list.get(0), isKey);
        }
        if (e instanceof EqualsTo eq) {
            Expression other = isKey.test(eq.getLeftExpression()) ? eq.getRightExpression()
                    : isKey.test(eq.getRightExpression()) ? eq.getLeftExpression() : null;
            if (other == null) {
                return KeyCondition.ANY;
            }
            if (other instanceof Function f && f.getName() != null
                    && f.getName().equalsIgnoreCase("any") && f.getParameters() != null && f.getParameters().size() == 1) {
                Expression arg = (Expression) f.getParameters().get(0);
                if (arg instanceof ArrayConstructor array) {
                    return values(array.getExpressions());
                }
                ValueRef ref = ValueRefs.of(arg);
                return ref == null ? KeyCondition.ANY : new KeyCondition.ArrayOf(ref);
            }
            ValueRef ref = ValueRefs.of(other);
            return ref == null ? KeyCondition.ANY : new KeyCondition.Values(List.of(ref));
        }
        if (e instanceof InExpression in && !in.isNot() && isKey.test(in.getLeftExpression())
                && in.getRightExpression() instanceof ExpressionList<?> list) {
            return values(list);
        }
        return KeyCondition.ANY;
    }

    /** The key equals one of these, if every one is a constant or a parameter; else it is not restricted. */
    private static KeyCondition values(List<?> expressions) {
        if (expressions == null) {
            return KeyCondition.ANY;
        }
        List<ValueRef> refs = new ArrayList<>();
        for (Object item : expressions) {
            ValueRef ref = item instanceof Expression x ? ValueRefs.of(x) : null;
            if (ref == null) {
                return KeyCondition.ANY;
            }
            refs.add(ref);
        }
        return new KeyCondition.Values(refs);
    }
}
