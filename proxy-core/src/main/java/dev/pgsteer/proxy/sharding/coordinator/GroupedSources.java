package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.JoinScope;
import dev.pgsteer.router.plan.PulledLocal;
import dev.pgsteer.router.plan.PulledTable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A sharded table's {@code x IN (SELECT y FROM t ... GROUP BY y ... HAVING ...)} (TPC-H Q18) as a key
 * source: when {@code y} is {@code t}'s shard key, each group lives whole on one shard, so each shard
 * answers the subquery from its own rows and the union of the answers is the IN's values. They are read
 * before the coordinator makes its temporary tables, and then are a local source ({@link KeyLists.Local})
 * whose relation is {@code unnest} of them: {@code x}'s table and those joined to it on {@code x}, and
 * the subquery's own occurrence of {@code t} (its groups of the listed keys are whole, the others failed
 * the HAVING), are pulled for them only. Outside a transaction block only (a failing subquery there
 * would abort the session's transaction), and only without client parameters.
 */
public final class GroupedSources {
    private GroupedSources() {
    }

    /**
     * One grouped subquery: its index {@code table} among the described tables, its text, the column
     * it selects and its type's array type.
     */
    public record Source(int table, int local, String sql, String column, String type, String arrayType) {
        /** What each shard runs: the distinct values, NULL past the bound. */
        public String shardQuery() {
            String quoted = PullStatements.quoted(column);
            return "SELECT CASE WHEN pg_catalog.count(*) <= " + KeyLists.MAX_KEYS + " THEN COALESCE(pg_catalog.array_agg(k)::text, '{}')"
                    + " END FROM (SELECT DISTINCT " + quoted + " AS k FROM (" + sql + ") g WHERE " + quoted + " IS NOT NULL LIMIT "
                    + (KeyLists.MAX_KEYS + 1) + ") v";
        }

        /** The source before its values are read (they are, before any key query). */
        public KeyLists.Table unread() {
            return withValues(null);
        }

        /**
         * The source once read: its values ({@code null}: none could be read, or past the bound, so the
         * key query reads more values than the bound from it, and NULL: no list).
         */
        public KeyLists.Table withValues(String array) {
            String relation = array == null
                    ? "(SELECT g::pg_catalog.int8 AS " + PullStatements.quoted(column) + " FROM pg_catalog.generate_series(1, "
                            + (KeyLists.MAX_KEYS + 1) + ") g)"
                    : "(SELECT pg_catalog.unnest('" + array + "'::" + arrayType + ") AS " + PullStatements.quoted(column) + ")";
            return new KeyLists.Table(JoinScope.LOCAL + local, List.of(column), List.of(type), 1, true, null, null,
                    new KeyLists.Local(relation, "v", List.of()));
        }
    }

    /**
     * The source of local {@code local} ({@code pulled}), or null when it is none: its table is no
     * sharded table of the statement, the column is not its shard key, no list carries its type, or
     * its text holds client parameters.
     *
     * @param rows  the catalog rows of the statement's sharded tables (columns, types), in order
     * @param index where the source goes among the described tables
     */
    public static Source of(int local, PulledLocal pulled, List<TableConfig.Sharded> tables, List<List<String>> rows, int index) {
        if (pulled.filters().size() != 1) {
            return null;
        }
        PulledTable.PushedFilter text = pulled.filters().getFirst();
        if (!text.hasWhole() || !text.parameters().isEmpty()) {
            return null;
        }
        for (int i = 0; i < tables.size(); i++) {
            if (!tables.get(i).name().equals(pulled.table()) || !tables.get(i).key().equals(pulled.grouped())) {
                continue;
            }
            List<String> columns = PullStatements.columns(rows.get(i).get(3));
            List<String> types = rows.get(i).get(5) == null ? List.of() : List.of(rows.get(i).get(5).split(","));
            int at = columns.indexOf(pulled.grouped());
            String type = at < 0 || at >= types.size() ? null : types.get(at);
            String arrayType = KeyLists.arrayTypeOf(type);
            return arrayType == null ? null : new Source(index, local, text.sql(), pulled.grouped(), type, arrayType);
        }
        return null;
    }

    /** The union of the shards' arrays (as text); null when one is null (it failed, or passed the bound) or it passes the bound. */
    public static String union(List<String> arrays) {
        Set<String> values = new LinkedHashSet<>();
        for (String array : arrays) {
            if (array == null || array.length() < 2) {
                return null;
            }
            String inner = array.substring(1, array.length() - 1);
            if (!inner.isEmpty()) {
                values.addAll(List.of(inner.split(",")));
            }
            if (values.size() > KeyLists.MAX_KEYS) {
                return null;
            }
        }
        return "{" + String.join(",", values) + "}";
    }
}
