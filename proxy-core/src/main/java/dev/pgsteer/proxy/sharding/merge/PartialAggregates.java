package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.value.PgValues;
import dev.pgsteer.router.plan.SelectMerge;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * Combining the shards' partial aggregates of one group, in text or binary format: counts and sums
 * add, minima and maxima compare, and avg (sent by the shards as sum and count) becomes sum / count.
 */
final class PartialAggregates {
    private final SelectMerge plan;
    private final MergeColumns columns;

    PartialAggregates(SelectMerge plan, MergeColumns columns) {
        this.plan = plan;
        this.columns = columns;
    }

    /** Folds another shard's {@code cells} of the same group into {@code group}. */
    void combine(byte[][] group, byte[][] cells) {
        for (int i = 0; i < columns.aggregateColumn.length; i++) {
            int column = columns.aggregateColumn[i];
            switch (plan.aggregates().get(i).function()) {
                case COUNT -> group[column] = sum(PgValues.INT8, column, group[column], cells[column]);
                case SUM -> group[column] = sum(columns.shardTypes[column], column, group[column], cells[column]);
                case AVG -> {
                    group[column] = sum(columns.shardTypes[column], column, group[column], cells[column]);
                    int count = columns.countColumn[i];
                    group[count] = sum(PgValues.INT8, count, group[count], cells[count]);
                }
                case MIN, MAX -> group[column] = extreme(plan.aggregates().get(i).function() == SelectMerge.Function.MIN,
                        column, group[column], cells[column]);
            }
        }
    }

    private byte[] sum(int type, int column, byte[] a, byte[] b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        boolean bin = columns.binary[column];
        return switch (type) {
            case PgValues.INT8, PgValues.INT4, PgValues.INT2 ->
                    PgValues.encodeInt8(Math.addExact(PgValues.int8(bin, a), PgValues.int8(bin, b)), bin);
            case PgValues.FLOAT8 -> PgValues.encodeFloat8(PgValues.float8(type, bin, a) + PgValues.float8(type, bin, b), bin);
            case PgValues.FLOAT4 -> PgValues.encodeFloat4((float) PgValues.float8(type, bin, a)
                    + (float) PgValues.float8(type, bin, b), bin);
            default -> {
                PgValues.Numeric x = bin ? PgValues.numericBinary(a) : PgValues.numericText(new String(a, StandardCharsets.US_ASCII));
                PgValues.Numeric y = bin ? PgValues.numericBinary(b) : PgValues.numericText(new String(b, StandardCharsets.US_ASCII));
                if (x.special() != 0 || y.special() != 0) {
                    throw new IllegalStateException("pgsteer does not add NaN or infinite numeric values across shards");
                }
                yield PgValues.encodeNumeric(x.value().add(y.value()), bin);
            }
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private byte[] extreme(boolean min, int column, byte[] a, byte[] b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        Comparable x = PgValues.sortKey(columns.shardTypes[column], columns.binary[column], a);
        Comparable y = PgValues.sortKey(columns.shardTypes[column], columns.binary[column], b);
        int c = x.compareTo(y);
        return (min ? c <= 0 : c >= 0) ? a : b;
    }

    /** avg = sum / count, in the type PostgreSQL gives avg: numeric, or double precision for floating point. */
    void average(byte[][] cells) {
        for (int i = 0; i < columns.aggregateColumn.length; i++) {
            if (plan.aggregates().get(i).function() != SelectMerge.Function.AVG) {
                continue;
            }
            int column = columns.aggregateColumn[i];
            int countColumn = columns.countColumn[i];
            boolean bin = columns.binary[column];
            long count = cells[countColumn] == null ? 0 : PgValues.int8(columns.binary[countColumn], cells[countColumn]);
            byte[] sum = cells[column];
            if (sum == null || count == 0) {
                cells[column] = null;
            } else if (columns.clientTypes[column] == PgValues.FLOAT8) {
                cells[column] = PgValues.encodeFloat8(PgValues.float8(columns.shardTypes[column], bin, sum) / count, bin);
            } else {
                BigDecimal total = PgValues.decimal(columns.shardTypes[column], bin, sum);
                if (total == null) {
                    throw new IllegalStateException("pgsteer does not average NaN or infinite numeric values across shards");
                }
                cells[column] = PgValues.encodeNumeric(PgValues.average(total, count), bin);
            }
        }
    }
}
