package dev.pgsteer.router.resolve;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.PullPlan;
import dev.pgsteer.router.plan.PulledTable;
import dev.pgsteer.router.sql.LexedStatement;
import java.util.ArrayList;
import java.util.List;

/** A shape's {@link PullPlan} for one execution: literals put back, filters with client parameters left out. */
public final class Pulls {
    private Pulls() {
    }

    /** What to pull of each of {@code tables}, in their order; whole tables where the plan says nothing. */
    public static List<PulledTable> of(PullPlan plan, List<TableConfig.Sharded> tables, LexedStatement statement) {
        List<PulledTable> out = new ArrayList<>(tables.size());
        for (TableConfig.Sharded table : tables) {
            PullPlan.TablePull pull = plan == null ? null : plan.tables().get(table.name());
            if (pull == null) {
                out.add(PulledTable.whole(table));
                continue;
            }
            List<PulledTable.PushedFilter> filters = new ArrayList<>();
            for (PullPlan.Filter filter : pull.filters()) {
                // The pulled SELECT is pgsteer's own text: it cannot carry the client's parameter values.
                if (filter.parameters().stream().anyMatch(n -> n <= statement.parameterCount())) {
                    continue;
                }
                String sql = plan.fromShape() ? ShardTexts.withLiterals(filter.text(), statement) : filter.text();
                filters.add(new PulledTable.PushedFilter(sql, filter.bareColumns()));
            }
            out.add(new PulledTable(table, pull.alias(), pull.allColumns() ? null : plan.identifiers(), filters));
        }
        return out;
    }
}
