package dev.pgsteer.router.merge;

import dev.pgsteer.router.plan.ValueRef;
import net.sf.jsqlparser.expression.AllValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.statement.select.PlainSelect;

/**
 * LIMIT and OFFSET of a merge: applied after the merge, to the rows of all shards, each a literal or
 * a parameter (known per execution); null when absent ({@code LIMIT ALL} is no limit).
 */
record PagePlan(ValueRef limit, ValueRef offset) {

    static PagePlan of(PlainSelect plain) throws Refusal {
        ValueRef limit = plain.getLimit() == null || plain.getLimit().getRowCount() == null
                || plain.getLimit().getRowCount() instanceof AllValue ? null : count(plain.getLimit().getRowCount());
        ValueRef offset = plain.getOffset() == null ? null : count(plain.getOffset().getOffset());
        return new PagePlan(limit, offset);
    }

    boolean isEmpty() {
        return limit == null && offset == null;
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
}
