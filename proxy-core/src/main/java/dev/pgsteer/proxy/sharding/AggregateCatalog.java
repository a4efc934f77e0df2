package dev.pgsteer.proxy.sharding;

import dev.pgsteer.router.plan.UserAggregates;
import dev.pgsteer.router.plan.UserAggregates.Entry;
import dev.pgsteer.router.plan.UserAggregates.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Which functions of a sharded database's own are aggregates ({@link UserAggregates}, for the merge
 * planner), as the default shard's catalog says with {@link CatalogQueries#userAggregates}: read at
 * start ({@link CatalogAtStart}) and after DDL through pgsteer ({@link KeyTypeLearner}), like the
 * collations. DDL goes to every shard, so the default shard speaks for all.
 */
public final class AggregateCatalog {
    private AggregateCatalog() {
    }

    /** The rows of {@link CatalogQueries#userAggregates}, as the planner asks them. */
    static UserAggregates of(List<List<String>> rows) {
        List<Entry> entries = new ArrayList<>(rows.size());
        for (List<String> row : rows) {
            entries.add(new Entry(row.get(0), row.get(1), kind(row.get(2)), kind(row.get(3))));
        }
        return UserAggregates.of(entries);
    }

    private static Kind kind(String onlyAggregates) {
        return onlyAggregates.equals("t") || onlyAggregates.equals("true") ? Kind.AGGREGATE : Kind.AGGREGATE_OR_FUNCTION;
    }
}
