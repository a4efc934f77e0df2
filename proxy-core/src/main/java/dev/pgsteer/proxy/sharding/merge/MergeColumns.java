package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.value.PgValues;
import dev.pgsteer.router.plan.SelectMerge;
import java.util.Arrays;
import java.util.Locale;

/**
 * The columns of a merged SELECT as the first RowDescription tells them, read against its
 * {@link SelectMerge}: which are visible to the client (the plan's hidden ones come last), their
 * types as the shards send them and as the client sees them (avg becomes numeric or double
 * precision), the sort columns, the group key columns and the aggregates' columns. The plan's
 * negative column numbers count from the end.
 */
final class MergeColumns {
    final int columns;
    final int visible;
    final int[] shardTypes;
    final int[] clientTypes;
    final boolean[] binary;
    int[] sortColumns;
    boolean[] keyColumn;
    int[] aggregateColumn;
    int[] countColumn;
    /** How each column's value keys a group, when the rows are grouped (GROUP BY, DISTINCT); null when every one as sent. */
    KeyForm[] keyForms;
    /** Whether every visible column keys DISTINCT by the bytes as sent (then a row's bytes are its key). */
    boolean visibleAsSent;
    /** Why the rows cannot be merged (a type pgsteer cannot compare or add), or null. */
    final String problem;

    MergeColumns(SelectMerge plan, int[] shardTypes, boolean[] binary) {
        this.columns = shardTypes.length;
        this.visible = columns - plan.hidden();
        this.shardTypes = shardTypes;
        this.binary = binary;
        this.clientTypes = shardTypes.clone();
        this.problem = problem(plan);
    }

    int absolute(int column) {
        return column >= 0 ? column : columns + column;
    }

    private String problem(SelectMerge plan) {
        if (visible < 0) {
            return "the shards returned fewer columns than pgsteer asked for";
        }
        sortColumns = new int[plan.sort().size()];
        for (int i = 0; i < sortColumns.length; i++) {
            sortColumns[i] = absolute(plan.sort().get(i).column());
            if (sortColumns[i] < 0 || sortColumns[i] >= columns) {
                return "ORDER BY position " + (sortColumns[i] + 1) + " is not in the select list";
            }
        }
        keyColumn = new boolean[columns];
        Arrays.fill(keyColumn, true);
        aggregateColumn = new int[plan.aggregates().size()];
        countColumn = new int[plan.aggregates().size()];
        for (int i = 0; i < aggregateColumn.length; i++) {
            SelectMerge.Aggregate a = plan.aggregates().get(i);
            int column = absolute(a.column());
            aggregateColumn[i] = column;
            keyColumn[column] = false;
            int type = shardTypes[column];
            switch (a.function()) {
                case COUNT -> {
                    if (type != PgValues.INT8) {
                        return "count() of type oid " + type;
                    }
                }
                case SUM -> {
                    if (!summable(type)) {
                        return "sum() of type oid " + type + " (pgsteer adds integers, numeric and floating point)";
                    }
                }
                case MIN, MAX -> {
                    if (!PgValues.sortable(type)) {
                        return a.function().name().toLowerCase(Locale.ROOT) + "() of type oid " + type;
                    }
                }
                case AVG -> {
                    if (!summable(type)) {
                        return "avg() of type oid " + type + " (pgsteer averages integers, numeric and floating point)";
                    }
                    countColumn[i] = absolute(a.countColumn());
                    keyColumn[countColumn[i]] = false;
                    clientTypes[column] = type == PgValues.FLOAT4 || type == PgValues.FLOAT8 ? PgValues.FLOAT8 : PgValues.NUMERIC;
                }
            }
        }
        keyForms = new KeyForm[columns];
        for (int column = 0; column < columns; column++) {
            KeyForm form = KeyForm.of(shardTypes[column], binary[column]);
            boolean grouped = plan.aggregate() && keyColumn[column] || plan.distinct() && column < visible;
            if (form == null && grouped) {
                return "GROUP BY or DISTINCT on a column of type oid " + shardTypes[column] + " (values PostgreSQL calls"
                        + " equal may differ in their bytes: pgsteer groups integers, numeric, floating point, text, dates,"
                        + " timestamps, uuid and the like)";
            }
            keyForms[column] = form == null ? KeyForm.AS_SENT : form;
        }
        visibleAsSent = true;
        boolean allAsSent = true;
        for (int column = 0; column < columns; column++) {
            boolean asSent = keyForms[column] == KeyForm.AS_SENT;
            allAsSent &= asSent;
            visibleAsSent &= asSent || column >= visible;
        }
        if (allAsSent) {
            keyForms = null;
        }
        for (int column : sortColumns) {
            if (!PgValues.sortable(clientTypes[column])) {
                return "ORDER BY a column of type oid " + clientTypes[column] + " (pgsteer compares integers, numeric,"
                        + " floating point, text in collation C, bool, uuid, date and timestamps)";
            }
        }
        for (SelectMerge.HavingTerm term : plan.having()) {
            int type = clientTypes[absolute(term.column())];
            if (!PgValues.numeric(type)) {
                return "HAVING on an aggregate of type oid " + type;
            }
        }
        return null;
    }

    private static boolean summable(int type) {
        return type == PgValues.INT8 || type == PgValues.INT4 || type == PgValues.INT2 || type == PgValues.NUMERIC
                || type == PgValues.FLOAT4 || type == PgValues.FLOAT8;
    }
}
