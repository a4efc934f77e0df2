package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.value.PgValues;
import dev.pgsteer.router.plan.SelectMerge;
import java.math.BigDecimal;

/** HAVING over the merged groups: each term compares an aggregate with a number; NULL passes none. */
final class HavingFilter {
    private final SelectMerge plan;
    private final MergeColumns columns;

    HavingFilter(SelectMerge plan, MergeColumns columns) {
        this.plan = plan;
        this.columns = columns;
    }

    boolean holds(byte[][] cells) {
        for (SelectMerge.HavingTerm term : plan.having()) {
            int column = columns.absolute(term.column());
            if (cells[column] == null || term.value() == null) {
                return false;
            }
            BigDecimal value = PgValues.decimal(columns.clientTypes[column], columns.binary[column], cells[column]);
            if (value == null || !term.op().holds(value.compareTo(term.value()))) {
                return false;
            }
        }
        return true;
    }
}
