package dev.pgsteer.proxy.sharding;

import dev.pgsteer.router.plan.Functions;
import dev.pgsteer.router.plan.Functions.Entry;
import dev.pgsteer.router.plan.Functions.Kind;
import dev.pgsteer.router.plan.Functions.Name;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a sharded database's functions are ({@link Functions}, for the merge planner): which of its own
 * are aggregates, and the names of its ordinary ones, as the default shard's catalog says with
 * {@link CatalogQueries#functions}: read at start ({@link CatalogAtStart}) and after DDL through
 * pgsteer ({@link KeyTypeLearner}), like the collations. DDL goes to every shard, so the default
 * shard speaks for all; a name made on the shards directly since is unknown to the planner, which
 * then leaves the statement to PostgreSQL.
 */
public final class FunctionCatalog {
    private FunctionCatalog() {
    }

    /** The rows of {@link CatalogQueries#functions}, as the planner asks them. */
    static Functions of(List<List<String>> rows) {
        Map<String, Boolean> onlyAggregatesAnywhere = new HashMap<>();
        for (List<String> row : rows) {
            onlyAggregatesAnywhere.merge(row.get(1), bool(row.get(2)), Boolean::logicalAnd);
        }
        List<Entry> aggregates = new ArrayList<>();
        List<Name> ordinary = new ArrayList<>(rows.size());
        for (List<String> row : rows) {
            String schema = row.get(0);
            String name = row.get(1);
            boolean onlyAggregates = bool(row.get(2));
            if (bool(row.get(3)) && !schema.equals("pg_catalog")) {
                aggregates.add(new Entry(schema, name, kind(onlyAggregates), kind(onlyAggregatesAnywhere.get(name))));
            }
            if (!onlyAggregates) {
                ordinary.add(new Name(schema, name));
            }
        }
        return Functions.of(aggregates, ordinary);
    }

    private static boolean bool(String value) {
        return value.equals("t") || value.equals("true");
    }

    private static Kind kind(boolean onlyAggregates) {
        return onlyAggregates ? Kind.AGGREGATE : Kind.AGGREGATE_OR_FUNCTION;
    }
}
