package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.router.plan.JoinScope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which pulled tables are pulled in a second round, only for the key values that a smaller table,
 * pulled first, holds: in TPC-H's Q9, {@code part} (its own condition {@code p_name LIKE '%green%'}
 * keeps a twentieth of it) is pulled first, then {@code lineitem} only where {@code l_partkey =
 * ANY(the pulled p_partkey values)}, a twentieth of its rows instead of all of them.
 *
 * <p>Exact, because the receiving table occurs once in the statement, as an inner member of a FROM
 * list whose joined rows all meet {@code x = y} (directly, or through a chain of such equalities):
 * a row of it whose {@code x} equals no {@code y} of the source's pulled rows (a superset of the rows
 * the source contributes there) is part of no joined row. NULLs equal nothing, so none is listed.
 * The comparison is PostgreSQL's own {@code =} between the same two column types, so only for types
 * whose equality involves no collation and whose text form reads back the same under any setting:
 * the integers (with each other), and numeric, uuid and oid (each with itself).
 *
 * <p>Which way round: from a table that has conditions of its own pushed (else its keys are all its
 * keys) to a larger one (by the catalog's row estimate on the coordinator's shard), in two rounds:
 * a table that receives keys is no source. Past {@link #MAX_KEYS} distinct values the list is not
 * worth its text, and the receiver is pulled without it.
 */
public final class KeyLists {
    /** The most key values one list carries. */
    static final int MAX_KEYS = 50_000;
    private static final Set<String> INTEGERS = Set.of("20", "21", "23");
    private static final Map<String, String> ARRAY_TYPES = Map.of("20", "pg_catalog.int8[]", "21", "pg_catalog.int2[]",
            "23", "pg_catalog.int4[]", "1700", "pg_catalog.numeric[]", "2950", "pg_catalog.uuid[]", "26", "pg_catalog.oid[]");

    private KeyLists() {
    }

    /**
     * A pulled table as the plan needs it.
     *
     * @param name      its configured name
     * @param columns   its columns, in order
     * @param types     their type OIDs, in the same order
     * @param rows      the catalog's estimate of its rows on the coordinator's shard (negative: unknown)
     * @param filtered  whether its pull pushes conditions of its own
     * @param key       its shard key column
     * @param placement what places its rows (function and key type): tables with equal placements
     *                  hold rows of equal keys on the same shard; null: none
     */
    public record Table(String name, List<String> columns, List<String> types, double rows, boolean filtered, String key,
                        Object placement) {
        /** A table whose placement is unknown (never co-located). */
        public Table(String name, List<String> columns, List<String> types, double rows, boolean filtered) {
            this(name, columns, types, rows, filtered, null, null);
        }

        String typeOf(String column) {
            int i = columns.indexOf(column);
            return i < 0 || i >= types.size() ? null : types.get(i);
        }
    }

    /** Table {@code receiver}'s {@code column} = ANY(the pulled values of table {@code source}'s {@code sourceColumn}). */
    public record KeyList(int receiver, String column, int source, String sourceColumn, String arrayType) {
    }

    /** The key lists for {@code tables} (indexes into it), from the statement's {@code joins}. */
    public static List<KeyList> plan(List<JoinScope> joins, List<Table> tables) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < tables.size(); i++) {
            index.put(tables.get(i).name(), i);
        }
        Set<KeyList> candidates = new LinkedHashSet<>();
        for (JoinScope scope : joins) {
            for (List<Member> group : classes(scope, tables, index)) {
                for (Member to : group) {
                    for (Member from : group) {
                        KeyList list = candidate(scope, to, from, tables);
                        if (list != null) {
                            candidates.add(list);
                        }
                    }
                }
            }
        }
        Set<Integer> receivers = new LinkedHashSet<>();
        candidates.forEach(c -> receivers.add(c.receiver()));
        // Two rounds: a receiver's own rows are only known in the second, so it is no source.
        return candidates.stream().filter(c -> !receivers.contains(c.source())).toList();
    }

    /**
     * Table {@code receiver}'s rows only where a row of {@code source} (named {@code sourceAlias} in
     * the statement) with its own conditions joins it on both shard keys: {@code EXISTS (...)} run on
     * each shard, where both tables' rows of one key live. {@code late}: the source receives key
     * lists, which hold inside the EXISTS too, so the receiver is pulled in the second round, once
     * they are read (never a table whose own rows are a key list's source: those are read after the
     * first round, so it must be pulled in it).
     */
    public record SemiJoin(int receiver, String column, int source, String sourceAlias, String sourceColumn, boolean late) {
        /** A semi-join on the source's own conditions only, written before any key values are read. */
        public SemiJoin(int receiver, String column, int source, String sourceAlias, String sourceColumn) {
            this(receiver, column, source, sourceAlias, sourceColumn, false);
        }
    }

    /**
     * The semi-joins that narrow pulls: a receiver joined, shard key to shard key, to a co-located
     * table (equal placement, same key type) that has conditions of its own. Exact for the reason key
     * lists are (a receiver's row without such a partner is in no joined row), and the partner rows are
     * on the receiver row's own shard, so each shard answers the EXISTS from its own rows. Not worth it
     * for a source without conditions: every key it holds would pass.
     */
    public static List<SemiJoin> semiJoins(List<JoinScope> joins, List<Table> tables) {
        return semiJoins(joins, tables, List.of());
    }

    /**
     * As {@link #semiJoins(List, List)}, a receiver of {@code keys} also counting as a source with
     * conditions: its key list is one, written inside the EXISTS once its values are read (the
     * receiving table then waits for that second round, so it must be no source of {@code keys}).
     */
    public static List<SemiJoin> semiJoins(List<JoinScope> joins, List<Table> tables, List<KeyList> keys) {
        Set<Integer> receivers = receivers(keys);
        Set<Integer> sources = new LinkedHashSet<>();
        keys.forEach(k -> sources.add(k.source()));
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < tables.size(); i++) {
            index.put(tables.get(i).name(), i);
        }
        Set<SemiJoin> out = new LinkedHashSet<>();
        for (JoinScope scope : joins) {
            for (List<Member> group : classes(scope, tables, index)) {
                for (Member to : group) {
                    for (Member from : group) {
                        Table receiver = tables.get(to.table());
                        Table source = tables.get(from.table());
                        boolean late = receivers.contains(from.table()) && !sources.contains(to.table());
                        if (!to.alias().equals(from.alias()) && scope.members().get(to.alias()).receives()
                                && (source.filtered() || late)
                                && receiver.placement() != null && receiver.placement().equals(source.placement())
                                && to.column().equals(receiver.key()) && from.column().equals(source.key())
                                && receiver.typeOf(to.column()) != null
                                && receiver.typeOf(to.column()).equals(source.typeOf(from.column()))) {
                            out.add(new SemiJoin(to.table(), to.column(), from.table(), from.alias(), from.column(), late));
                        }
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    /** A column of a scope's member: {@code alias} the scope's name for it, {@code table} its index. */
    private record Member(String alias, int table, String column) {
    }

    private static KeyList candidate(JoinScope scope, Member to, Member from, List<Table> tables) {
        if (to.alias().equals(from.alias()) || !scope.members().get(to.alias()).receives()) {
            return null;
        }
        Table receiver = tables.get(to.table());
        Table source = tables.get(from.table());
        if (!source.filtered() || source.rows() < 0 || receiver.rows() <= source.rows()) {
            return null;
        }
        String toType = receiver.typeOf(to.column());
        String fromType = source.typeOf(from.column());
        boolean comparable = toType != null && fromType != null
                && (INTEGERS.contains(toType) && INTEGERS.contains(fromType) || toType.equals(fromType) && ARRAY_TYPES.containsKey(toType));
        return comparable ? new KeyList(to.table(), to.column(), from.table(), from.column(), ARRAY_TYPES.get(fromType)) : null;
    }

    /**
     * The scope's columns grouped by the equalities (each group: columns all equal in every joined
     * row). A qualified column is its alias's member's; a bare one the member's that has it, when
     * exactly one pulled member has it (none: another table's, or an outer query's; several: the
     * statement is ambiguous and fails anyway).
     */
    private static List<List<Member>> classes(JoinScope scope, List<Table> tables, Map<String, Integer> index) {
        Map<Member, Member> parent = new LinkedHashMap<>();
        for (JoinScope.Equality equality : scope.equalities()) {
            Member left = resolve(equality.left(), scope, tables, index);
            Member right = resolve(equality.right(), scope, tables, index);
            if (left == null || right == null) {
                continue;
            }
            parent.putIfAbsent(left, left);
            parent.putIfAbsent(right, right);
            parent.put(root(parent, left), root(parent, right));
        }
        Map<Member, List<Member>> groups = new LinkedHashMap<>();
        for (Member member : parent.keySet()) {
            groups.computeIfAbsent(root(parent, member), k -> new ArrayList<>()).add(member);
        }
        return List.copyOf(groups.values());
    }

    private static Member root(Map<Member, Member> parent, Member member) {
        Member at = member;
        while (!parent.get(at).equals(at)) {
            at = parent.get(at);
        }
        return at;
    }

    private static Member resolve(JoinScope.Column column, JoinScope scope, List<Table> tables, Map<String, Integer> index) {
        if (column.qualifier() != null) {
            JoinScope.Member member = scope.members().get(column.qualifier());
            Integer table = member == null ? null : index.get(member.table());
            return table != null && tables.get(table).columns().contains(column.name())
                    ? new Member(column.qualifier(), table, column.name()) : null;
        }
        Member found = null;
        for (Map.Entry<String, JoinScope.Member> member : scope.members().entrySet()) {
            Integer table = index.get(member.getValue().table());
            if (table != null && tables.get(table).columns().contains(column.name())) {
                if (found != null) {
                    return null;
                }
                found = new Member(member.getKey(), table, column.name());
            }
        }
        return found;
    }

    /**
     * One row, a column per distinct source column of {@code lists} (in {@link #sources} order): its
     * pulled values, distinct, not NULL, as an array's text; NULL past {@link #MAX_KEYS}.
     *
     * @param temporary the quoted temporary table name of each table
     */
    public static String query(List<KeyList> lists, List<String> temporary) {
        StringBuilder sql = new StringBuilder("SELECT ");
        List<KeyList> sources = sources(lists);
        for (int i = 0; i < sources.size(); i++) {
            KeyList list = sources.get(i);
            String column = PullStatements.quoted(list.sourceColumn());
            sql.append(i == 0 ? "" : ", ").append("(SELECT CASE WHEN pg_catalog.count(*) <= ").append(MAX_KEYS)
                    .append(" THEN COALESCE(pg_catalog.array_agg(k)::text, '{}') END FROM (SELECT DISTINCT ")
                    .append(column).append(" AS k FROM pg_temp.").append(temporary.get(list.source()))
                    .append(" WHERE ").append(column).append(" IS NOT NULL LIMIT ").append(MAX_KEYS + 1).append(") v)");
        }
        return sql.toString();
    }

    /** The lists with distinct sources (table and column), in order of first use. */
    static List<KeyList> sources(List<KeyList> lists) {
        Map<String, KeyList> distinct = new LinkedHashMap<>();
        for (KeyList list : lists) {
            distinct.putIfAbsent(list.source() + "." + list.sourceColumn(), list);
        }
        return List.copyOf(distinct.values());
    }

    /**
     * The conditions each receiver's pull gains, by table index, from the key query's row: {@code
     * "x" = ANY('{...}'::type[])} for each list whose values came (not past the bound).
     */
    public static Map<Integer, List<String>> conditions(List<KeyList> lists, List<String> row) {
        List<KeyList> sources = sources(lists);
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        for (KeyList list : lists) {
            int at = -1;
            for (int i = 0; i < sources.size(); i++) {
                if (sources.get(i).source() == list.source() && sources.get(i).sourceColumn().equals(list.sourceColumn())) {
                    at = i;
                }
            }
            String values = at < 0 || at >= row.size() ? null : row.get(at);
            if (values != null) {
                out.computeIfAbsent(list.receiver(), k -> new ArrayList<>())
                        .add(PullStatements.quoted(list.column()) + " = ANY ('" + values + "'::" + list.arrayType() + ")");
            }
        }
        return out;
    }

    /** The tables that receive a list, which are created empty and pulled in the second round. */
    public static Set<Integer> receivers(List<KeyList> lists) {
        Set<Integer> receivers = new LinkedHashSet<>();
        lists.forEach(l -> receivers.add(l.receiver()));
        return receivers;
    }
}
