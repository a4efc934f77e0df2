package dev.pgsteer.router.merge;

import dev.pgsteer.router.plan.ValueRef;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.AllValue;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.statement.create.table.ColDataType;
import net.sf.jsqlparser.statement.select.PlainSelect;

/**
 * LIMIT and OFFSET of a merge: applied after the merge, to the rows of all shards, each a literal or
 * a parameter (known per execution); null when absent ({@code LIMIT ALL} is no limit).
 *
 * <p>The literal or parameter may be in parentheses or cast to an integer type: psycopg 3 sends
 * {@code LIMIT $1::INTEGER}, ORMs write {@code LIMIT (10)}. Such a cast gives the value
 * PostgreSQL then takes as the bigint LIMIT (a numeric rounds half away from zero, as
 * {@code MergePlan} does), so the count is the value under the cast; the shards still run the cast
 * as written. ({@code CAST(x AS integer)} in LIMIT is not parsed by JSqlParser 5.3: refused before
 * this plan, as "cannot parse".)
 */
record PagePlan(ValueRef limit, ValueRef offset) {

    /**
     * Casts whose result PostgreSQL turns into the bigint LIMIT without changing the number: the
     * integer types and an unconstrained numeric (a numeric with a scale would round twice).
     */
    private static final Set<String> INTEGER_TYPES = Set.of("int2", "int4", "int8", "int", "smallint", "integer",
            "bigint", "numeric", "decimal");

    static PagePlan of(PlainSelect plain) throws Refusal {
        ValueRef limit = plain.getLimit() == null || plain.getLimit().getRowCount() == null
                || plain.getLimit().getRowCount() instanceof AllValue ? null : count(plain.getLimit().getRowCount());
        ValueRef offset = plain.getOffset() == null ? null : count(plain.getOffset().getOffset());
        return new PagePlan(limit, offset);
    }

    boolean isEmpty() {
        return limit == null && offset == null;
    }

    /** The LIMIT or OFFSET count: a literal or a parameter, in parentheses or an integer cast or not. */
    private static ValueRef count(Expression e) throws Refusal {
        return switch (e) {
            case JdbcParameter p when p.getIndex() != null -> new ValueRef.Placeholder(p.getIndex());
            case LongValue v -> new ValueRef.Constant(v.getStringValue());
            case NullValue ignored -> new ValueRef.Null();
            case ParenthesedExpressionList<?> list when list.size() == 1 && list.get(0) instanceof Expression inner ->
                    count(inner);
            case CastExpression cast when isInteger(cast.getColDataType()) -> count(cast.getLeftExpression());
            default -> throw new Refusal("LIMIT or OFFSET computed by an expression over several shards (give a number"
                    + " or a parameter)");
        };
    }

    private static boolean isInteger(ColDataType type) {
        if (type == null || type.getDataType() == null) {
            return false;
        }
        List<String> arguments = type.getArgumentsStringList();
        List<Integer> array = type.getArrayData();
        return (arguments == null || arguments.isEmpty()) && (array == null || array.isEmpty())
                && INTEGER_TYPES.contains(type.getDataType().toLowerCase(Locale.ROOT));
    }
}
