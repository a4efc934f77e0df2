package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.message.backend.DataRow;
import dev.pgsteer.protocol.value.PgValues;
import dev.pgsteer.router.plan.SelectMerge;

/** ORDER BY: the sort columns of a row, decoded to comparable values, and their order with NULLS FIRST/LAST and DESC. */
final class SortKeys {
    private final SelectMerge plan;
    private final MergeColumns columns;

    SortKeys(SelectMerge plan, MergeColumns columns) {
        this.plan = plan;
        this.columns = columns;
    }

    boolean any() {
        return columns.sortColumns.length > 0;
    }

    /** The sort keys of a shard's row: only the sort columns are decoded. */
    Comparable<?>[] of(DataRow row) {
        int[] sort = columns.sortColumns;
        Comparable<?>[] keys = new Comparable<?>[sort.length];
        for (int i = 0; i < sort.length; i++) {
            byte[] value = row.bytes(sort[i]);
            keys[i] = value == null ? null : PgValues.sortKey(columns.shardTypes[sort[i]], columns.binary[sort[i]], value);
        }
        return keys;
    }

    /** The sort keys of a merged group's cells, in the types the client sees. */
    Comparable<?>[] of(byte[][] cells) {
        int[] sort = columns.sortColumns;
        Comparable<?>[] keys = new Comparable<?>[sort.length];
        for (int i = 0; i < sort.length; i++) {
            byte[] value = cells[sort[i]];
            keys[i] = value == null ? null : PgValues.sortKey(columns.clientTypes[sort[i]], columns.binary[sort[i]], value);
        }
        return keys;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    int compare(Comparable<?>[] a, Comparable<?>[] b) {
        for (int i = 0; i < columns.sortColumns.length; i++) {
            SelectMerge.SortKey key = plan.sort().get(i);
            Comparable x = a[i];
            Comparable y = b[i];
            int c;
            if (x == null || y == null) {
                c = x == y ? 0 : (x == null) == key.nullsFirst() ? -1 : 1;
            } else {
                c = x.compareTo(y);
                if (key.descending()) {
                    c = -c;
                }
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
