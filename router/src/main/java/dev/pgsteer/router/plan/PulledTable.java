package dev.pgsteer.router.plan;

import dev.pgsteer.config.TableConfig;
import java.util.List;
import java.util.Set;

/**
 * One sharded table as the coordinator step pulls it for one execution of a statement: which
 * columns (those of the table named in {@code identifiers}; all when null) and the conditions that
 * rows must meet (SQL over {@code alias}; pushed when the table has every one of the filter's bare
 * column names, since otherwise a name may belong to another table or an outer query).
 */
public record PulledTable(TableConfig.Sharded table, String alias, Set<String> identifiers, List<PushedFilter> filters) {

    public PulledTable {
        identifiers = identifiers == null ? null : Set.copyOf(identifiers);
        filters = List.copyOf(filters);
    }

    /** The whole table: every column, every row. */
    public static PulledTable whole(TableConfig.Sharded table) {
        return new PulledTable(table, null, null, List.of());
    }

    public record PushedFilter(String sql, Set<String> bareColumns) {
        public PushedFilter {
            bareColumns = Set.copyOf(bareColumns);
        }
    }
}
