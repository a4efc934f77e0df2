package dev.pgsteer.router.plan;

import java.util.List;

/**
 * One occurrence of a reference or unsharded table in a join scope, for one execution: never pulled
 * (its rows are on the coordinator's shard), but a source of key values read there ({@code SELECT
 * DISTINCT col FROM table AS alias WHERE filters}), with the conditions of its own that every row it
 * contributes to the scope meets (literals put back; a filter holding a client parameter is not used:
 * pgsteer reads the values with a query of its own).
 *
 * @param table   its name as configured or, unsharded, as the statement spells it (folded)
 * @param alias   the name its filters use for it (alias, or name), as written
 * @param filters its own conditions; for a grouped subquery ({@code grouped} not null), its text
 * @param grouped the column a sharded table's IN subquery selects and groups by ({@link PullPlan.Local})
 */
public record PulledLocal(String table, String alias, List<PulledTable.PushedFilter> filters, String grouped) {
    public PulledLocal {
        filters = List.copyOf(filters);
    }

    public PulledLocal(String table, String alias, List<PulledTable.PushedFilter> filters) {
        this(table, alias, filters, null);
    }
}
