package dev.pgsteer.proxy.sharding.coordinator;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the key query reads a local source's values ({@link KeyLists.Local}: a reference or unsharded
 * table, on the coordinator's shard): its rows under its own conditions, and for each list it takes
 * from another local source, {@code column IN (that source's values)}, written the same way (TPC-H Q5:
 * nation's keys only for the nations of {@code r_name = 'ASIA'}'s region). The lists between local
 * sources go from a smaller table to a larger one, so the nesting ends.
 */
final class LocalSources {
    private LocalSources() {
    }

    /** A parenthesized SELECT of local source {@code table}'s rows (every column) that may be in a joined row. */
    static String relation(int table, List<KeyLists.Table> tables, List<KeyLists.KeyList> lists) {
        KeyLists.Local local = tables.get(table).local();
        List<String> kept = new ArrayList<>();
        local.conditions().forEach(c -> kept.add(c));
        for (KeyLists.KeyList list : lists) {
            if (list.receiver() == table && tables.get(list.source()).local() != null) {
                kept.add(PullStatements.quoted(list.column()) + " IN (SELECT " + PullStatements.quoted(list.sourceColumn())
                        + " FROM " + relation(list.source(), tables, lists) + " s)");
            }
        }
        return "(SELECT * FROM " + local.relation() + " AS " + local.alias()
                + (kept.isEmpty() ? "" : " WHERE " + String.join(" AND ", kept)) + ")";
    }
}
