package dev.pgsteer.router.syntax;

import dev.pgsteer.router.plan.ValueRef;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;

/** Where a value of the tree comes from: a placeholder, a constant, NULL, or (null) something computed. */
public final class ValueRefs {
    private ValueRefs() {
    }

    /**
     * The source of a value expression, or null if it is not a constant or a parameter. Casts and
     * parentheses around it are looked through: pgjdbc in simple-query mode sends a bound value as
     * {@code ('42'::int8)}.
     */
    public static ValueRef of(Expression expression) {
        Expression e = expression;
        while (true) {
            if (e instanceof CastExpression cast) {
                e = cast.getLeftExpression();
            } else if (e instanceof ParenthesedExpressionList<?> list && list.size() == 1 && list.get(0) instanceof Expression inner) {
                e = inner;
            } else {
                break;
            }
        }
        return switch (e) {
            case JdbcParameter p when p.getIndex() != null -> new ValueRef.Placeholder(p.getIndex());
            case NullValue ignored -> new ValueRef.Null();
            case LongValue v -> new ValueRef.Constant(v.getStringValue());
            case StringValue v -> new ValueRef.Constant(v.getValue().replace("''", "'"));
            case SignedExpression s when s.getSign() == '-' && s.getExpression() instanceof LongValue v ->
                    new ValueRef.Constant("-" + v.getStringValue());
            default -> null;
        };
    }
}
