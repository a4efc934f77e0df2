package dev.pgsteer.proxy.sharding;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.protocol.value.PgValues;
import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.Collations.Order;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the default shard's catalog says about how a sharded database's values compare
 * ({@link Collations}, for the merge planner): read at start over JDBC ({@link CatalogAtStart}), and after
 * DDL through pgsteer over the session's connection ({@link KeyTypeLearner}), with
 * {@link CatalogQueries#collations}. The shards of a database are made alike (DDL goes to every
 * shard), so the default shard speaks for all.
 */
public final class CollationCatalog {
    private CollationCatalog() {
    }

    /** The tables whose columns are asked about: every table of the shard map. */
    static List<String> tables(DatabaseConfig database) {
        return List.copyOf(database.tables().keySet());
    }

    /** The rows of {@link CatalogQueries#collations}, as the planner asks them. */
    static Collations of(List<List<String>> rows) {
        Order databaseDefault = null;
        Map<String, Map<String, Order>> columns = new HashMap<>();
        for (List<String> row : rows) {
            if (row.get(0).isEmpty()) {
                databaseDefault = collationOrder(row.get(3));
            }
        }
        for (List<String> row : rows) {
            if (!row.get(0).isEmpty()) {
                Order order = order(Integer.parseInt(row.get(2)), row.get(3), databaseDefault);
                if (order != null) {
                    columns.computeIfAbsent(row.get(0), t -> new HashMap<>()).put(row.get(1), order);
                }
            }
        }
        return new Collations(databaseDefault, columns, true);
    }

    private static Order collationOrder(String kind) {
        return switch (kind) {
            case "b" -> Order.BYTES;
            case "x" -> Order.NONDETERMINISTIC;
            default -> Order.LINGUISTIC;
        };
    }

    /**
     * A column's order: a type the merge compares without collation, or text in a collation that
     * sorts by bytes, is {@link Order#BYTES}; a collatable type the merge does not read as text
     * (citext, arrays, ...) may even be equal where bytes differ, so it counts as nondeterministic;
     * null when the default's order is not known.
     */
    private static Order order(int type, String kind, Order databaseDefault) {
        if (kind.equals("n")) {
            return PgValues.sortable(type) ? Order.BYTES : Order.UNORDERED;
        }
        if (!PgValues.sortable(type)) {
            return Order.NONDETERMINISTIC;
        }
        return kind.equals("d") ? databaseDefault : collationOrder(kind);
    }
}
