package dev.pgsteer.router.plan;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * The merge of a multi-shard SELECT as planned from its shape: what {@link SelectMerge} will be,
 * with the values that come from placeholders (LIMIT $1, ORDER BY 2, HAVING count(*) > 10) still
 * referenced, so the plan can be cached with the analysis. {@code shardShape} is the rewritten
 * statement each shard runs (in shape form: the lexer's literals are put back per execution).
 */
public record MergePlan(String shardShape, List<PlannedSort> sort, ValueRef limit, ValueRef offset, boolean aggregate,
        List<SelectMerge.Aggregate> aggregates, boolean distinct, int hidden, List<PlannedHaving> having) {

    public MergePlan {
        sort = List.copyOf(sort);
        aggregates = List.copyOf(aggregates);
        having = List.copyOf(having);
    }

    /** A sort key on a known column, or on an ordinal ({@code ORDER BY 2}) known once values are. */
    public record PlannedSort(int column, ValueRef ordinal, boolean descending, boolean nullsFirst) {
    }

    public record PlannedHaving(int column, SelectMerge.Comparison op, ValueRef value) {
    }

    /**
     * The merge of one execution. {@code parameterCount} tells a Bind parameter ($1 up to it: a
     * value, so {@code ORDER BY $1} orders by a constant) from a literal of the text (an ordinal).
     */
    public SelectMerge resolve(KeySource.Placeholders values, int parameterCount) throws RoutingException {
        List<SelectMerge.SortKey> keys = new ArrayList<>();
        for (PlannedSort s : sort) {
            int column = s.column();
            if (s.ordinal() != null) {
                if (s.ordinal() instanceof ValueRef.Placeholder p && p.number() <= parameterCount) {
                    continue;
                }
                BigDecimal ordinal;
                try {
                    ordinal = number(s.ordinal(), values, "ORDER BY position");
                } catch (RoutingException notANumber) {
                    ordinal = null;
                }
                if (ordinal == null || ordinal.signum() <= 0 || ordinal.scale() > 0) {
                    // Not a position: PostgreSQL answers this one itself (with an error).
                    continue;
                }
                column = ordinal.intValueExact() - 1;
            }
            keys.add(new SelectMerge.SortKey(column, s.descending(), s.nullsFirst()));
        }
        BigDecimal limitValue = limit == null ? null : number(limit, values, "LIMIT");
        BigDecimal offsetValue = offset == null ? null : number(offset, values, "OFFSET");
        // PostgreSQL checks OFFSET before LIMIT (recompute_limits), so when both are negative it names OFFSET.
        long offsetCount = offsetValue == null ? 0 : count(offsetValue, "2201X", "OFFSET");
        long limitCount = limitValue == null ? -1 : count(limitValue, "2201W", "LIMIT");
        List<SelectMerge.HavingTerm> terms = new ArrayList<>();
        for (PlannedHaving h : having) {
            terms.add(new SelectMerge.HavingTerm(h.column(), h.op(), number(h.value(), values, "HAVING")));
        }
        return new SelectMerge(keys, limitCount, offsetCount, aggregate, aggregates, distinct, hidden, terms);
    }

    /**
     * A LIMIT or OFFSET as the bigint PostgreSQL makes of it: a fraction ({@code LIMIT 2.5}, or
     * {@code $1::numeric} bound to 2.5) rounds half away from zero, as its numeric-to-bigint cast does,
     * so the merge keeps as many rows as each shard was asked for. A negative one is PostgreSQL's
     * error, raised here: the shards may not see it (aggregates keep no LIMIT there, and LIMIT -3
     * OFFSET 5 reaches them as LIMIT 2).
     */
    private static long count(BigDecimal value, String sqlState, String what) throws RoutingException {
        long count = value.setScale(0, RoundingMode.HALF_UP).longValue();
        if (count < 0) {
            throw new RoutingException(sqlState, what + " must not be negative");
        }
        return count;
    }

    /** A placeholder's value as a number: text, or a binary int2, int4 or int8; null for NULL. */
    static BigDecimal number(ValueRef ref, KeySource.Placeholders values, String what) throws RoutingException {
        KeySource source = switch (ref) {
            case ValueRef.Placeholder p -> values.value(p.number());
            case ValueRef.Constant c -> KeySource.text(c.text());
            case ValueRef.Null n -> null;
        };
        if (source == null) {
            return null;
        }
        if (source.isBinary()) {
            byte[] b = source.binary();
            if (b.length == 2 || b.length == 4 || b.length == 8) {
                return new BigDecimal(new BigInteger(b));
            }
            throw new RoutingException("22023", what + " over several shards takes an integer; got a binary value of "
                    + b.length + " bytes");
        }
        try {
            return new BigDecimal(source.text().trim());
        } catch (NumberFormatException e) {
            throw new RoutingException("22023", what + " over several shards takes a number; got \""
                    + source.text() + "\"");
        }
    }
}
