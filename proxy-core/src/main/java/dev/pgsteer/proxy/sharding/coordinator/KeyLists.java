package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.router.plan.JoinScope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

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
 * keys), or that receives a list itself, to a larger one (by the catalog's row estimate on the
 * coordinator's shard), in as many rounds as the chain needs ({@link #rounds}). Reference and unsharded
 * tables are sources too ({@link Local}), read on the coordinator. Past {@link #MAX_KEYS} distinct
 * values the list is not worth its text, and the receiver is pulled without it.
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
     * A pulled table as the plan needs it, or a local key source ({@code local} not null).
     *
     * @param name      its configured name ({@link JoinScope#LOCAL} and its index for a local source)
     * @param columns   its columns, in order
     * @param types     their type OIDs, in the same order
     * @param rows      the catalog's estimate of its rows on the coordinator's shard (negative: unknown)
     * @param filtered  whether its pull pushes conditions of its own
     * @param key       its shard key column
     * @param placement what places its rows (function and key type): tables with equal placements
     *                  hold rows of equal keys on the same shard; null: none
     * @param local     for a reference or unsharded table: where its values are read on the coordinator
     */
    public record Table(String name, List<String> columns, List<String> types, double rows, boolean filtered, String key,
                        Object placement, Local local) {
        /** A pulled table. */
        public Table(String name, List<String> columns, List<String> types, double rows, boolean filtered, String key,
                     Object placement) {
            this(name, columns, types, rows, filtered, key, placement, null);
        }

        /** A table whose placement is unknown (never co-located). */
        public Table(String name, List<String> columns, List<String> types, double rows, boolean filtered) {
            this(name, columns, types, rows, filtered, null, null, null);
        }

        String typeOf(String column) {
            int i = columns.indexOf(column);
            return i < 0 || i >= types.size() ? null : types.get(i);
        }
    }

    /**
     * A reference or unsharded table's occurrence as a key source, read on the coordinator: {@code
     * SELECT * FROM relation AS alias WHERE conditions}.
     *
     * @param relation   the table as the coordinator reads it (its schema-qualified name, or inside a
     *                   transaction block the temporary copy that holds what the transaction sees)
     * @param alias      the statement's name for it, as written (its conditions use it)
     * @param conditions its own conditions, as the coordinator can run them (none with client parameters)
     */
    public record Local(String relation, String alias, List<String> conditions) {
        public Local {
            conditions = List.copyOf(conditions);
        }
    }

    /**
     * Occurrence {@code occurrence} (of {@code occurrences}) of table {@code receiver}: its {@code column}
     * = ANY(the pulled values of table {@code source}'s {@code sourceColumn}).
     */
    public record KeyList(int receiver, int occurrence, int occurrences, String column, int source, String sourceColumn,
                          String arrayType) {
        /** A list for a table that occurs once. */
        public KeyList(int receiver, String column, int source, String sourceColumn, String arrayType) {
            this(receiver, 0, 1, column, source, sourceColumn, arrayType);
        }
    }

    /**
     * The key lists for {@code tables} (indexes into it), from the statement's {@code joins}.
     *
     * <p>A list goes from a narrowed table to a larger one it equals: narrowed, it has conditions of
     * its own, or receives a list itself (on another column: then it is pulled in an earlier round,
     * {@link #rounds}); every list goes to a larger table (by the catalog's estimate), so the lists
     * never form a cycle. Local sources (reference and unsharded tables, read on the coordinator)
     * receive only from other local ones. Exact, for the reason every list is: the source's pulled
     * rows (or read values) hold every row it contributes to the scope.
     *
     * <p>A list may also come through a table that receives one on the same column: when occurrence
     * R's column must be one of table S's pulled values of {@code e}, and S (occurring once) is pulled
     * only where {@code e = ANY(L)}, then R's column must be in L, which R takes in the same round
     * (TPC-H Q20: lineitem is correlated to partsupp, which is pulled only for the parts of {@code
     * ps_partkey IN (SELECT p_partkey FROM part WHERE ...)}). A table occurring more than once is
     * narrowed only when each occurrence has a list, to the union ({@link #conditions}).
     */
    public static List<KeyList> plan(List<JoinScope> joins, List<Table> tables) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < tables.size(); i++) {
            index.put(tables.get(i).name(), i);
        }
        Set<KeyList> raw = new LinkedHashSet<>();
        for (JoinScope scope : joins) {
            for (List<Member> group : classes(scope, tables, index)) {
                for (Member to : group) {
                    for (Member from : group) {
                        KeyList list = candidate(to, from, tables);
                        if (list != null) {
                            raw.add(list);
                        }
                    }
                }
            }
        }
        List<SameColumn> same = sameColumns(joins, tables);
        Set<Integer> filtered = new HashSet<>();
        for (int i = 0; i < tables.size(); i++) {
            if (tables.get(i).filtered()) {
                filtered.add(i);
            }
        }
        List<KeyList> lists = new ArrayList<>();
        // Until nothing changes: a table narrowed by a list becomes a source for larger ones.
        for (boolean changed = true; changed; ) {
            changed = false;
            Set<Integer> narrowed = new HashSet<>(filtered);
            narrowed.addAll(receivers(lists));
            for (KeyList list : raw) {
                if (!lists.contains(list) && narrowed.contains(list.source()) && smaller(list, tables)
                        && (filtered.contains(list.source()) || worthPassing(list, tables) || passesOn(list, lists))) {
                    lists.add(list);
                    narrowed.add(list.receiver());
                    changed = true;
                }
            }
        }
        // From a source that receives on the same column, a list's values are those of the source's own list: taken from it directly.
        for (boolean changed = true; changed; ) {
            changed = false;
            for (KeyList through : List.copyOf(lists)) {
                List<KeyList> onColumn = lists.stream().filter(l -> l.receiver() == through.source() && l.occurrences() == 1
                        && l.column().equals(through.sourceColumn())).toList();
                if (onColumn.isEmpty() || tables.get(through.source()).local() != null) {
                    continue;
                }
                lists.remove(through);
                changed = true;
                for (KeyList list : onColumn) {
                    KeyList chained = chained(through, list, tables);
                    if (chained != null && !lists.contains(chained)) {
                        lists.add(chained);
                    }
                }
            }
        }
        // A table named more than once with an occurrence left without a list is pulled whole, and then is no source.
        for (boolean changed = true; changed; ) {
            List<KeyList> kept = covered(lists, same);
            Set<Integer> narrowed = new HashSet<>(filtered);
            narrowed.addAll(receivers(kept));
            kept = kept.stream().filter(l -> narrowed.contains(l.source())).toList();
            changed = kept.size() != lists.size();
            lists = new ArrayList<>(kept);
        }
        return List.copyOf(lists);
    }

    /**
     * Whether a source narrowed only by lists is worth a round of its own for {@code list}: a pulled
     * table's share of its shard key's values is its share of rows (a key per row), while on another
     * column a few pulled rows may hold every value (TPC-H Q9's partsupp, pulled for a twentieth of
     * the parts, still names nearly every supplier). A local source's values come with the first round.
     */
    private static boolean worthPassing(KeyList list, List<Table> tables) {
        Table source = tables.get(list.source());
        return source.local() != null || list.sourceColumn().equals(source.key());
    }

    /** Whether {@code list}'s source receives a list on the same column: its values then pass on in the same round (below). */
    private static boolean passesOn(KeyList list, List<KeyList> lists) {
        return lists.stream().anyMatch(l -> l.receiver() == list.source() && l.column().equals(list.sourceColumn()));
    }

    private static boolean smaller(KeyList list, List<Table> tables) {
        Table receiver = tables.get(list.receiver());
        Table source = tables.get(list.source());
        return source.rows() >= 0 && receiver.rows() > source.rows() && (receiver.local() == null || source.local() != null);
    }

    /**
     * {@code through}'s receiver from {@code list}'s source, where {@code through}'s source is {@code
     * list}'s receiver on the same column, and occurs once (all its pulled rows meet the list).
     */
    private static KeyList chained(KeyList through, KeyList list, List<Table> tables) {
        if (through.source() != list.receiver() || list.occurrences() != 1 || !through.sourceColumn().equals(list.column())
                || list.source() == through.receiver()) {
            return null;
        }
        Table receiver = tables.get(through.receiver());
        Table source = tables.get(list.source());
        String arrayType = arrayType(receiver.typeOf(through.column()), source.typeOf(list.sourceColumn()));
        if (arrayType == null || source.rows() < 0 || receiver.rows() <= source.rows()) {
            return null;
        }
        return new KeyList(through.receiver(), through.occurrence(), through.occurrences(), through.column(), list.source(),
                list.sourceColumn(), arrayType);
    }

    /**
     * The round in which each pulled table (by index) is pulled: 1 for a table without lists, else one
     * more than its lists' sources (a local source counts as 1: its values are read with the first
     * round's keys), and no earlier than the source of a semi-join of {@code late} (its EXISTS holds
     * that source's lists). Null when the late semi-joins cannot be met (one would need its receiver
     * pulled before a list's source that the receiver waits for): then they are left out.
     */
    public static Map<Integer, Integer> rounds(List<KeyList> lists, List<SemiJoin> late, List<Table> tables) {
        Map<Integer, Integer> round = new HashMap<>();
        for (int i = 0; i < tables.size(); i++) {
            round.put(i, 1);
        }
        for (int pass = 0; pass <= tables.size() + 1; pass++) {
            boolean changed = false;
            for (KeyList list : lists) {
                int at = round.get(list.source()) + 1;
                if (tables.get(list.receiver()).local() == null && round.get(list.receiver()) < at) {
                    round.put(list.receiver(), at);
                    changed = true;
                }
            }
            for (SemiJoin join : late) {
                if (round.get(join.receiver()) < round.get(join.source())) {
                    round.put(join.receiver(), round.get(join.source()));
                    changed = true;
                }
            }
            if (!changed) {
                Map<Integer, Integer> out = new HashMap<>();
                round.forEach((table, r) -> {
                    if (tables.get(table).local() == null) {
                        out.put(table, r);
                    }
                });
                return out;
            }
        }
        return null;
    }

    /**
     * The lists of tables each of whose occurrences has one, or equals on a column an occurrence that
     * has one on it ({@link SameColumn}); a table with an occurrence left uncovered is pulled whole.
     */
    private static List<KeyList> covered(List<KeyList> lists, List<SameColumn> same) {
        List<OccurrenceCondition> conditions = lists.stream()
                .map(l -> new OccurrenceCondition(l.receiver(), l.occurrence(), l.column(), "")).toList();
        Map<Integer, Map<Integer, List<OccurrenceCondition>>> reached = reach(conditions, same);
        return lists.stream().filter(l -> reached.get(l.receiver()).size() == l.occurrences()).toList();
    }

    /** Each table's occurrences with their conditions, an occurrence taking those on {@code column} of the occurrence it equals there. */
    private static Map<Integer, Map<Integer, List<OccurrenceCondition>>> reach(List<OccurrenceCondition> conditions,
                                                                               List<SameColumn> same) {
        Map<Integer, Map<Integer, List<OccurrenceCondition>>> byOccurrence = new LinkedHashMap<>();
        for (OccurrenceCondition c : conditions) {
            List<OccurrenceCondition> own = byOccurrence.computeIfAbsent(c.table(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(c.occurrence(), k -> new ArrayList<>());
            if (!own.contains(c)) {
                own.add(c);
            }
        }
        // Until nothing changes: a chain of such equalities passes the conditions on (there are few occurrences).
        for (boolean changed = true; changed; ) {
            changed = false;
            for (SameColumn edge : same) {
                Map<Integer, List<OccurrenceCondition>> table = byOccurrence.get(edge.table());
                if (table == null || !table.containsKey(edge.from())) {
                    continue;
                }
                for (OccurrenceCondition c : List.copyOf(table.get(edge.from()))) {
                    OccurrenceCondition inherited = new OccurrenceCondition(c.table(), edge.occurrence(), c.column(), c.sql());
                    List<OccurrenceCondition> own = table.computeIfAbsent(edge.occurrence(), k -> new ArrayList<>());
                    if (c.column().equals(edge.column()) && !own.contains(inherited)) {
                        own.add(inherited);
                        changed = true;
                    }
                }
            }
        }
        Map<Integer, Map<Integer, List<OccurrenceCondition>>> out = new LinkedHashMap<>();
        byOccurrence.forEach((table, occurrences) -> occurrences.forEach((occurrence, own) -> {
            if (!own.isEmpty()) {
                out.computeIfAbsent(table, k -> new LinkedHashMap<>()).put(occurrence, own);
            }
        }));
        return out;
    }

    private static Set<String> sqls(List<OccurrenceCondition> conditions) {
        Set<String> out = new LinkedHashSet<>();
        conditions.forEach(c -> out.add(c.sql()));
        return out;
    }

    /**
     * Whether every occurrence holds the conditions on {@code column} that an occurrence equal on it
     * took from another: then every pulled row meets them, so whichever pulled row the subquery is
     * evaluated with (PostgreSQL may evaluate it before the row's joins rule the row out), the rows of
     * that value are all there, and no error of a subquery over missing rows (a division by a count)
     * can arise where the statement would raise none.
     */
    private static boolean takenByAll(Map<Integer, List<OccurrenceCondition>> perOccurrence, List<SameColumn> same, int table) {
        for (SameColumn edge : same) {
            if (edge.table() != table || !perOccurrence.containsKey(edge.from())) {
                continue;
            }
            Set<String> taken = sqls(perOccurrence.get(edge.from()).stream().filter(c -> c.column().equals(edge.column())).toList());
            for (List<OccurrenceCondition> own : perOccurrence.values()) {
                if (!sqls(own).containsAll(taken)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Where an occurrence equals another of its table on the table's <b>shard key</b> (TPC-H Q21:
     * {@code l2.l_orderkey = l1.l_orderkey}), the other's key lists on its other columns narrow it too,
     * as a co-located EXISTS of the same table: {@code EXISTS (SELECT 1 FROM t AS "pgsteer_same" WHERE
     * "pgsteer_same".key = row.key AND "l_suppkey" = ANY(...))}, answered by each shard from its own rows
     * (every row of a key is on one shard). Exact: the occurrence needs only rows whose key is some pulled
     * row's of the other, and every such row meets the EXISTS (its own key's rows include it); and the
     * EXISTS depends on the key alone, so every row of a pulled key is pulled, whichever pulled row
     * PostgreSQL evaluates a correlated occurrence with. Only key lists are carried (bare column names,
     * which inside the EXISTS name its row); {@code exists} writes the condition for a table index and
     * the other's conditions.
     */
    public static List<OccurrenceCondition> sameKey(List<OccurrenceCondition> conditions, List<SameColumn> same, List<Table> tables,
                                                    BiFunction<Integer, List<String>, String> exists) {
        List<OccurrenceCondition> out = new ArrayList<>();
        for (SameColumn edge : same) {
            String key = tables.get(edge.table()).key();
            if (key == null || !key.equals(edge.column())) {
                continue;
            }
            List<String> carried = new ArrayList<>();
            for (OccurrenceCondition c : conditions) {
                if (c.table() == edge.table() && c.occurrence() == edge.from() && !c.column().isEmpty()
                        && !c.column().equals(edge.column()) && c.sql().startsWith(PullStatements.quoted(c.column()) + " = ANY (")
                        && !carried.contains(c.sql())) {
                    carried.add(c.sql());
                }
            }
            if (!carried.isEmpty()) {
                String sql = exists.apply(edge.table(), carried);
                // The other occurrence holds it too (its own row is such a row of its key): said so, its group of the
                // union holds the occurrence's, and the OR keeps one group (PostgreSQL plans an OR of EXISTS badly).
                for (int occurrence : List.of(edge.occurrence(), edge.from())) {
                    OccurrenceCondition derived = new OccurrenceCondition(edge.table(), occurrence, edge.column(), sql);
                    if (!out.contains(derived) && !conditions.contains(derived)) {
                        out.add(derived);
                    }
                }
            }
        }
        return out;
    }

    /** How many times the statement names each table (by index) that {@code joins} hold: their members say. */
    public static Map<Integer, Integer> occurrences(List<JoinScope> joins, List<Table> tables) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < tables.size(); i++) {
            index.put(tables.get(i).name(), i);
        }
        Map<Integer, Integer> out = new HashMap<>();
        for (JoinScope scope : joins) {
            for (JoinScope.Member member : scope.members().values()) {
                Integer table = index.get(member.table());
                if (table != null) {
                    out.merge(table, member.occurrences(), Math::max);
                }
            }
        }
        return out;
    }

    /** The {@link SameColumn} equalities of {@code joins}. */
    public static List<SameColumn> sameColumns(List<JoinScope> joins, List<Table> tables) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < tables.size(); i++) {
            index.put(tables.get(i).name(), i);
        }
        Set<SameColumn> out = new LinkedHashSet<>();
        for (JoinScope scope : joins) {
            for (List<Member> group : classes(scope, tables, index)) {
                for (Member to : group) {
                    for (Member from : group) {
                        if (to.receives() && to.table() == from.table() && to.column().equals(from.column())
                                && to.occurrence() != from.occurrence()) {
                            out.add(new SameColumn(to.table(), to.occurrence(), from.occurrence(), to.column()));
                        }
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * The one condition each table named more than once is pulled with: the OR over its occurrences
     * of each one's conditions AND-ed (an occurrence with an equal column takes the conditions on it,
     * {@link SameColumn}); no entry for a table one of whose occurrences has none (it may use any row).
     *
     * @param occurrences how many times each table is named
     */
    public static Map<Integer, String> unions(List<OccurrenceCondition> conditions, List<SameColumn> same,
                                              Map<Integer, Integer> occurrences) {
        Map<Integer, String> out = new LinkedHashMap<>();
        reach(conditions, same).forEach((table, perOccurrence) -> {
            if (perOccurrence.size() == occurrences.getOrDefault(table, 1) && takenByAll(perOccurrence, same, table)) {
                // (A AND B) OR A is A: an occurrence holding all of another's conditions and more adds no row.
                List<Set<String>> groups = perOccurrence.values().stream().map(KeyLists::sqls).toList();
                Set<String> anyOf = new LinkedHashSet<>();
                for (Set<String> group : groups) {
                    if (groups.stream().noneMatch(other -> group.containsAll(other) && !other.containsAll(group))) {
                        anyOf.add("(" + String.join(" AND ", group) + ")");
                    }
                }
                out.put(table, anyOf.size() == 1 ? anyOf.iterator().next() : "(" + String.join(" OR ", anyOf) + ")");
            }
        });
        return out;
    }

    /**
     * Table {@code receiver}'s rows only where a row of {@code source} (named {@code sourceAlias} in
     * the statement) with its own conditions joins it on both shard keys: {@code EXISTS (...)} run on
     * each shard, where both tables' rows of one key live. {@code late}: the source receives key
     * lists, which hold inside the EXISTS too, so the receiver is pulled in the second round, once
     * they are read (never a table whose own rows are a key list's source: those are read after the
     * first round, so it must be pulled in it).
     */
    public record SemiJoin(int receiver, String column, int source, String sourceAlias, String sourceColumn, boolean late,
                           int occurrence, int occurrences) {
        /** A semi-join on the source's own conditions only, written before any key values are read. */
        public SemiJoin(int receiver, String column, int source, String sourceAlias, String sourceColumn) {
            this(receiver, column, source, sourceAlias, sourceColumn, false);
        }

        /** A semi-join of a table named once. */
        public SemiJoin(int receiver, String column, int source, String sourceAlias, String sourceColumn, boolean late) {
            this(receiver, column, source, sourceAlias, sourceColumn, late, 0, 1);
        }
    }

    /**
     * Occurrence {@code occurrence} of table {@code table} equals, on {@code column}, that column of
     * its occurrence {@code from} (TPC-H Q21: {@code l2.l_orderkey = l1.l_orderkey}): it only needs rows
     * whose {@code column} is one of {@code from}'s pulled rows', so whatever conditions on that column
     * alone narrow {@code from}'s rows narrow its own too (all the table's rows of such a value pass them).
     */
    public record SameColumn(int table, int occurrence, int from, String column) {
    }

    /** One occurrence's condition on one of its columns alone: a key list's or a semi-join's. */
    public record OccurrenceCondition(int table, int occurrence, String column, String sql) {
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
     * receiving table then waits for that source's round, {@link #rounds}, so it must be no source of {@code keys}).
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
                        if (!to.equals(from) && to.receives() && to.table() != from.table() && !from.outer()
                                && receiver.local() == null && source.local() == null
                                && !JoinScope.Member.nested(from.alias()) && from.occurrences() == 1
                                && (source.filtered() || late)
                                && receiver.placement() != null && receiver.placement().equals(source.placement())
                                && to.column().equals(receiver.key()) && from.column().equals(source.key())
                                && receiver.typeOf(to.column()) != null
                                && receiver.typeOf(to.column()).equals(source.typeOf(from.column()))) {
                            out.add(new SemiJoin(to.table(), to.column(), from.table(), from.alias(), from.column(), late,
                                    to.occurrence(), to.occurrences()));
                        }
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * A column of a scope's member: {@code alias} the scope's name for it, {@code table} its index;
     * {@code outer} a member of the enclosing SELECT (never receives).
     */
    private record Member(String alias, boolean outer, int table, String column, boolean receives, int occurrence,
                          int occurrences) {
    }

    private static KeyList candidate(Member to, Member from, List<Table> tables) {
        if (to.equals(from) || !to.receives() || to.table() == from.table()) {
            return null;
        }
        Table receiver = tables.get(to.table());
        Table source = tables.get(from.table());
        String arrayType = arrayType(receiver.typeOf(to.column()), source.typeOf(from.column()));
        return arrayType == null ? null
                : new KeyList(to.table(), to.occurrence(), to.occurrences(), to.column(), from.table(), from.column(), arrayType);
    }

    /** The array type a list of values of type {@code type} (an OID) is written as; null for a type no list carries. */
    static String arrayTypeOf(String type) {
        return type == null ? null : ARRAY_TYPES.get(type);
    }

    /** The array type a list of values of {@code fromType} is written as, when {@code toType} compares with it exactly; else null. */
    private static String arrayType(String toType, String fromType) {
        boolean comparable = toType != null && fromType != null
                && (INTEGERS.contains(toType) && INTEGERS.contains(fromType) || toType.equals(fromType) && ARRAY_TYPES.containsKey(toType));
        return comparable ? ARRAY_TYPES.get(fromType) : null;
    }

    /**
     * The scope's columns grouped by the equalities (each group: columns all equal in every joined
     * row). A qualified column is its alias's member's; a bare one the member's that has it, when
     * exactly one pulled member has it (none: another table's, or an outer query's; several: the
     * statement is ambiguous and fails anyway). A nested member is named by its qualifier only. A
     * column is an outer member's only when no member here can have it: the scope is complete (every
     * FROM item a member) and no member has the name (bare) or is named so (qualified), as PostgreSQL
     * looks names up from the innermost scope out.
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
            if (member != null) {
                return member(column.qualifier(), false, member, column.name(), tables, index);
            }
            JoinScope.Member outer = scope.complete() ? scope.outer().get(column.qualifier()) : null;
            return outer == null ? null : member(column.qualifier(), true, outer, column.name(), tables, index);
        }
        Member found = null;
        boolean unknown = false;
        for (Map.Entry<String, JoinScope.Member> member : scope.members().entrySet()) {
            if (JoinScope.Member.nested(member.getKey())) {
                continue;
            }
            Integer table = index.get(member.getValue().table());
            if (table == null) {
                unknown = true;
            } else if (tables.get(table).columns().contains(column.name())) {
                if (found != null) {
                    return null;
                }
                found = member(member.getKey(), false, member.getValue(), column.name(), tables, index);
            }
        }
        if (found != null || unknown || !scope.complete()) {
            return found;
        }
        for (Map.Entry<String, JoinScope.Member> member : scope.outer().entrySet()) {
            Integer table = index.get(member.getValue().table());
            if (table != null && tables.get(table).columns().contains(column.name())) {
                if (found != null) {
                    return null;
                }
                found = member(member.getKey(), true, member.getValue(), column.name(), tables, index);
            }
        }
        return found;
    }

    private static Member member(String alias, boolean outer, JoinScope.Member member, String column, List<Table> tables,
                                 Map<String, Integer> index) {
        Integer table = index.get(member.table());
        return table != null && tables.get(table).columns().contains(column)
                ? new Member(alias, outer, table, column, member.receives() && !outer, member.occurrence(), member.occurrences())
                : null;
    }

    /**
     * One row, a column per distinct source column of {@code lists} (in {@link #sources} order): its
     * pulled values, distinct, not NULL, as an array's text; NULL past {@link #MAX_KEYS}.
     *
     * @param temporary the quoted temporary table name of each table
     */
    public static String query(List<KeyList> lists, List<String> temporary) {
        return query(lists, temporary, null, List.of());
    }

    /**
     * As {@link #query(List, List)}, a local source's values read where it is ({@link Local}), under
     * its own conditions and the lists it takes from other local sources ({@code all}'s), as {@code IN}
     * subqueries over theirs.
     */
    public static String query(List<KeyList> lists, List<String> temporary, List<Table> tables, List<KeyList> all) {
        StringBuilder sql = new StringBuilder("SELECT ");
        List<KeyList> sources = sources(lists);
        for (int i = 0; i < sources.size(); i++) {
            KeyList list = sources.get(i);
            String column = PullStatements.quoted(list.sourceColumn());
            Table source = tables == null ? null : tables.get(list.source());
            String relation = source != null && source.local() != null ? LocalSources.relation(list.source(), tables, all) + " s"
                    : "pg_temp." + temporary.get(list.source());
            sql.append(i == 0 ? "" : ", ").append("(SELECT CASE WHEN pg_catalog.count(*) <= ").append(MAX_KEYS)
                    .append(" THEN COALESCE(pg_catalog.array_agg(k)::text, '{}') END FROM (SELECT DISTINCT ")
                    .append(column).append(" AS k FROM ").append(relation)
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
     * "x" = ANY('{...}'::type[])} for each list whose values came (not past the bound). A table that
     * occurs more than once gains one condition, the OR over its occurrences of each one's lists
     * AND-ed: its pulled rows are those that any occurrence may use; none when an occurrence has no
     * list whose values came.
     */
    public static Map<Integer, List<String>> conditions(List<KeyList> lists, List<String> row) {
        List<KeyList> sources = sources(lists);
        Map<Integer, Map<Integer, List<String>>> byOccurrence = new LinkedHashMap<>();
        Map<Integer, Integer> occurrences = new HashMap<>();
        for (KeyList list : lists) {
            occurrences.put(list.receiver(), list.occurrences());
            int at = -1;
            for (int i = 0; i < sources.size(); i++) {
                if (sources.get(i).source() == list.source() && sources.get(i).sourceColumn().equals(list.sourceColumn())) {
                    at = i;
                }
            }
            String values = at < 0 || at >= row.size() ? null : row.get(at);
            if (values != null) {
                List<String> own = byOccurrence.computeIfAbsent(list.receiver(), k -> new LinkedHashMap<>())
                        .computeIfAbsent(list.occurrence(), k -> new ArrayList<>());
                String condition = PullStatements.quoted(list.column()) + " = ANY ('" + values + "'::" + list.arrayType() + ")";
                if (!own.contains(condition)) {
                    own.add(condition);
                }
            }
        }
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        List<OccurrenceCondition> repeated = new ArrayList<>();
        byOccurrence.forEach((table, perOccurrence) -> {
            if (occurrences.get(table) == 1) {
                out.put(table, perOccurrence.get(0));
            } else {
                perOccurrence.forEach((occurrence, own) -> own.forEach(c -> repeated.add(new OccurrenceCondition(table, occurrence, "", c))));
            }
        });
        unions(repeated, List.of(), occurrences).forEach((table, union) -> out.put(table, List.of(union)));
        return out;
    }

    /** For tables named more than once, each occurrence's key-list conditions whose values came ({@link #conditions}'s parts). */
    public static List<OccurrenceCondition> occurrenceConditions(List<KeyList> lists, List<String> row) {
        List<KeyList> sources = sources(lists);
        List<OccurrenceCondition> out = new ArrayList<>();
        for (KeyList list : lists) {
            if (list.occurrences() == 1) {
                continue;
            }
            int at = -1;
            for (int i = 0; i < sources.size(); i++) {
                if (sources.get(i).source() == list.source() && sources.get(i).sourceColumn().equals(list.sourceColumn())) {
                    at = i;
                }
            }
            String values = at < 0 || at >= row.size() ? null : row.get(at);
            if (values != null) {
                out.add(new OccurrenceCondition(list.receiver(), list.occurrence(), list.column(),
                        PullStatements.quoted(list.column()) + " = ANY ('" + values + "'::" + list.arrayType() + ")"));
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
