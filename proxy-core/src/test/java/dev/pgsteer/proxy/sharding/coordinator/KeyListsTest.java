package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.router.plan.JoinScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which pulled table receives which other's key values. Three tables as TPC-H has them: part
 * (smallest), partsupp, lineitem (largest). A list goes from a table with conditions of its own to a
 * larger one it equals (directly or through a chain of equalities), for comparable types only, and a
 * table that receives is no source.
 */
class KeyListsTest {
    static final String INT8 = "20";
    static final String INT4 = "23";
    static final String TEXT = "25";
    static final String NUMERIC = "1700";

    @ParameterizedTest(name = "{0} / filtered {1} / types {2}")
    @CsvSource(delimiter = '|', textBlock = """
            p.p_partkey = l.l_partkey                          | part              | int8 int8 int8    | lineitem.l_partkey<-part.p_partkey
            l.l_partkey = p.p_partkey                          | part              | int8 int8 int8    | lineitem.l_partkey<-part.p_partkey
            p_partkey = l_partkey                              | part              | int8 int8 int8    | lineitem.l_partkey<-part.p_partkey
            p_partkey = l_partkey                              | -                 | int8 int8 int8    | -
            p_partkey = l_partkey                              | lineitem          | int8 int8 int8    | -
            p_partkey = l_partkey                              | part lineitem     | int8 int8 int8    | lineitem.l_partkey<-part.p_partkey
            p_partkey = l_partkey ; ps_partkey = l_partkey      | part              | int8 int8 int8    | lineitem.l_partkey<-part.p_partkey partsupp.ps_partkey<-part.p_partkey
            p_partkey = l_partkey ; ps_partkey = l_partkey      | part partsupp     | int8 int8 int8    | lineitem.l_partkey<-part.p_partkey partsupp.ps_partkey<-part.p_partkey
            ps_partkey = l_partkey                             | partsupp          | int8 int8 int8    | lineitem.l_partkey<-partsupp.ps_partkey
            p_partkey = l_partkey                              | part              | int4 int8 int8    | lineitem.l_partkey<-part.p_partkey
            p_partkey = l_partkey                              | part              | numeric int8 int8 | -
            p_partkey = l_partkey                              | part              | numeric int8 numeric | lineitem.l_partkey<-part.p_partkey
            p_partkey = l_partkey                              | part              | text int8 text    | -
            p_partkey = nokey                                  | part              | int8 int8 int8    | -
            x.p_partkey = l_partkey                            | part              | int8 int8 int8    | -
            """)
    void aLargerTableReceivesTheKeysOfASmallerFilteredOne(String equalities, String filtered, String types, String expected) {
        List<String> typeOf = List.of(types.split(" ")).stream().map(KeyListsTest::oid).toList();
        List<KeyLists.Table> tables = List.of(
                new KeyLists.Table("part", List.of("p_partkey", "p_name"), List.of(typeOf.get(0), TEXT), 40_000, filtered.contains("part")),
                new KeyLists.Table("partsupp", List.of("ps_partkey", "ps_suppkey"), List.of(typeOf.get(1), INT8), 160_000,
                        filtered.contains("partsupp")),
                new KeyLists.Table("lineitem", List.of("l_partkey", "l_orderkey"), List.of(typeOf.get(2), INT8), 1_200_000,
                        filtered.contains("lineitem")));
        Map<String, JoinScope.Member> members = new LinkedHashMap<>();
        members.put("p", new JoinScope.Member("part", true));
        members.put("ps", new JoinScope.Member("partsupp", true));
        members.put("l", new JoinScope.Member("lineitem", true));
        List<JoinScope.Equality> parsed = new ArrayList<>();
        for (String equality : equalities.split(";")) {
            String[] sides = equality.trim().split(" = ");
            parsed.add(new JoinScope.Equality(column(sides[0]), column(sides[1])));
        }
        List<KeyLists.KeyList> lists = KeyLists.plan(List.of(new JoinScope(members, parsed)), tables);
        String actual = lists.isEmpty() ? "-" : lists.stream()
                .map(l -> tables.get(l.receiver()).name() + "." + l.column() + "<-" + tables.get(l.source()).name() + "." + l.sourceColumn())
                .sorted().collect(Collectors.joining(" "));
        assertEquals(expected, actual, equalities);
    }

    @Test
    void aTableThatDoesNotReceiveBecauseItIsNotAnInnerMemberOnce() {
        List<KeyLists.Table> tables = List.of(
                new KeyLists.Table("part", List.of("p_partkey"), List.of(INT8), 10, true),
                new KeyLists.Table("lineitem", List.of("l_partkey"), List.of(INT8), 1_000, false));
        JoinScope scope = new JoinScope(Map.of("p", new JoinScope.Member("part", true), "l", new JoinScope.Member("lineitem", false)),
                List.of(new JoinScope.Equality(column("p_partkey"), column("l_partkey"))));
        assertEquals(List.of(), KeyLists.plan(List.of(scope), tables));
    }

    /**
     * TPC-H Q9's shape: orders and lineitem co-located on orderkey, part filtered, joined to lineitem
     * on partkey. lineitem receives part's keys; orders, without conditions of its own, is pulled with
     * EXISTS of lineitem (whose key list then holds inside it); a filtered co-located source counts as
     * is; a table in another placement or joined off its key gets none.
     */
    @Test
    void aCoLocatedTableIsPulledWithExistsOfAFilteredOrKeyedPartner() {
        Object byOrder = List.of("hash by orderkey");
        List<KeyLists.Table> tables = List.of(
                new KeyLists.Table("part", List.of("p_partkey"), List.of(INT8), 40_000, true, "p_partkey", List.of("hash by partkey")),
                new KeyLists.Table("lineitem", List.of("l_orderkey", "l_partkey"), List.of(INT8, INT8), 1_200_000, false, "l_orderkey", byOrder),
                new KeyLists.Table("orders", List.of("o_orderkey", "o_custkey"), List.of(INT8, INT8), 300_000, false, "o_orderkey", byOrder));
        Map<String, JoinScope.Member> members = new LinkedHashMap<>();
        members.put("part", new JoinScope.Member("part", true));
        members.put("lineitem", new JoinScope.Member("lineitem", true));
        members.put("orders", new JoinScope.Member("orders", true));
        List<JoinScope> joins = List.of(new JoinScope(members, List.of(
                new JoinScope.Equality(column("p_partkey"), column("l_partkey")),
                new JoinScope.Equality(column("o_orderkey"), column("l_orderkey")))));
        List<KeyLists.KeyList> keys = KeyLists.plan(joins, tables);
        assertEquals(List.of(new KeyLists.KeyList(1, "l_partkey", 0, "p_partkey", "pg_catalog.int8[]")), keys);
        assertEquals(List.of(), KeyLists.semiJoins(joins, tables));
        assertEquals(List.of(new KeyLists.SemiJoin(2, "o_orderkey", 1, "lineitem", "l_orderkey", true)),
                KeyLists.semiJoins(joins, tables, keys));
        List<KeyLists.Table> ordersFiltered = List.of(tables.get(0), tables.get(1),
                new KeyLists.Table("orders", List.of("o_orderkey", "o_custkey"), List.of(INT8, INT8), 300_000, true, "o_orderkey", byOrder));
        // Filtered, orders is a source of lineitem's keys (pulled first), so it waits for no EXISTS of lineitem.
        assertEquals(List.of(new KeyLists.SemiJoin(1, "l_orderkey", 2, "orders", "o_orderkey")),
                KeyLists.semiJoins(joins, ordersFiltered, KeyLists.plan(joins, ordersFiltered)));
        // TPC-H Q10's shape: both filtered, orders smaller. orders is a source of lineitem's keys, so it
        // is pulled in the first round: its EXISTS of lineitem holds lineitem's own conditions only
        // (with lineitem's key list inside, it would wait for its own keys: a wrong, empty answer once).
        List<KeyLists.Table> bothFiltered = List.of(tables.get(0),
                new KeyLists.Table("lineitem", List.of("l_orderkey", "l_partkey"), List.of(INT8, INT8), 1_200_000, true, "l_orderkey", byOrder),
                new KeyLists.Table("orders", List.of("o_orderkey", "o_custkey"), List.of(INT8, INT8), 300_000, true, "o_orderkey", byOrder));
        List<KeyLists.KeyList> orderKeys = KeyLists.plan(joins, bothFiltered);
        assertEquals(List.of(new KeyLists.KeyList(1, "l_partkey", 0, "p_partkey", "pg_catalog.int8[]"),
                new KeyLists.KeyList(1, "l_orderkey", 2, "o_orderkey", "pg_catalog.int8[]")), orderKeys);
        assertEquals(java.util.Set.of(new KeyLists.SemiJoin(1, "l_orderkey", 2, "orders", "o_orderkey", false),
                        new KeyLists.SemiJoin(2, "o_orderkey", 1, "lineitem", "l_orderkey", false)),
                java.util.Set.copyOf(KeyLists.semiJoins(joins, bothFiltered, orderKeys)));
        List<KeyLists.Table> otherPlacement = List.of(tables.get(0), tables.get(1),
                new KeyLists.Table("orders", List.of("o_orderkey", "o_custkey"), List.of(INT8, INT8), 300_000, true, "o_orderkey", List.of("range")));
        assertEquals(List.of(), KeyLists.semiJoins(joins, otherPlacement, List.of()));
    }

    @Test
    void theKeyQueryReadsEachSourceColumnOnceAndTheConditionsUseItsValues() {
        List<KeyLists.KeyList> lists = List.of(
                new KeyLists.KeyList(2, "l_partkey", 0, "p_partkey", "pg_catalog.int8[]"),
                new KeyLists.KeyList(1, "ps_partkey", 0, "p_partkey", "pg_catalog.int8[]"),
                new KeyLists.KeyList(2, "l_suppkey", 3, "s_suppkey", "pg_catalog.int4[]"));
        assertEquals("SELECT (SELECT CASE WHEN pg_catalog.count(*) <= 50000 THEN COALESCE(pg_catalog.array_agg(k)::text, '{}') END"
                + " FROM (SELECT DISTINCT \"p_partkey\" AS k FROM pg_temp.part WHERE \"p_partkey\" IS NOT NULL LIMIT 50001) v),"
                + " (SELECT CASE WHEN pg_catalog.count(*) <= 50000 THEN COALESCE(pg_catalog.array_agg(k)::text, '{}') END"
                + " FROM (SELECT DISTINCT \"s_suppkey\" AS k FROM pg_temp.\"Supplier\" WHERE \"s_suppkey\" IS NOT NULL LIMIT 50001) v)",
                KeyLists.query(lists, List.of("part", "partsupp", "lineitem", "\"Supplier\"")));
        Map<Integer, List<String>> conditions = KeyLists.conditions(lists, java.util.Arrays.asList("{1,2}", null));
        assertEquals(Map.of(2, List.of("\"l_partkey\" = ANY ('{1,2}'::pg_catalog.int8[])"),
                1, List.of("\"ps_partkey\" = ANY ('{1,2}'::pg_catalog.int8[])")), conditions);
    }

    /** part (filtered, 40,000), partsupp (160,000), lineitem (1,200,000), supplier (2,000): for the scopes below. */
    private static final List<KeyLists.Table> TPCH = List.of(
            new KeyLists.Table("part", List.of("p_partkey", "p_name"), List.of(INT8, TEXT), 40_000, true),
            new KeyLists.Table("partsupp", List.of("ps_partkey", "ps_suppkey"), List.of(INT8, INT8), 160_000, false),
            new KeyLists.Table("lineitem", List.of("l_partkey", "l_suppkey", "l_orderkey"), List.of(INT8, INT8, INT8), 1_200_000, false),
            new KeyLists.Table("supplier", List.of("s_suppkey"), List.of(INT8), 2_000, false));

    private static String shown(List<KeyLists.KeyList> lists) {
        return lists.isEmpty() ? "-" : lists.stream()
                .map(l -> TPCH.get(l.receiver()).name() + "#" + l.occurrence() + "." + l.column() + "<-" + TPCH.get(l.source()).name()
                        + "." + l.sourceColumn())
                .sorted().collect(Collectors.joining(" "));
    }

    private static JoinScope.Equality equals(String left, String right) {
        return new JoinScope.Equality(column(left), column(right));
    }

    /**
     * TPC-H Q17: lineitem twice, joined to part (filtered) and in a subquery correlated to that
     * part. Each occurrence needs only the filtered parts' rows, so lineitem is pulled for them; a
     * bare name the subquery's own table has is its own, not the outer one's.
     */
    @Test
    void aTableNamedTwiceIsNarrowedWhenEachOccurrenceIs() {
        JoinScope outer = new JoinScope(Map.of("lineitem", new JoinScope.Member("lineitem", true, 0, 2),
                "part", new JoinScope.Member("part", true)), List.of(equals("p_partkey", "l_partkey")));
        Map<String, JoinScope.Member> around = Map.of("lineitem", new JoinScope.Member("lineitem", false, 0, 2),
                "part", new JoinScope.Member("part", false));
        JoinScope inner = new JoinScope(Map.of("lineitem", new JoinScope.Member("lineitem", true, 1, 2)),
                List.of(equals("l_partkey", "p_partkey")), around, true);
        assertEquals("lineitem#0.l_partkey<-part.p_partkey lineitem#1.l_partkey<-part.p_partkey",
                shown(KeyLists.plan(List.of(outer, inner), TPCH)));
        // Without the subquery's list, the second occurrence may use any row: lineitem whole.
        assertEquals("-", shown(KeyLists.plan(List.of(outer), TPCH)));
        // Not complete (another FROM item of the subquery may have p_partkey): the name is not resolved outward.
        JoinScope incomplete = new JoinScope(inner.members(), inner.equalities(), around, false);
        assertEquals("-", shown(KeyLists.plan(List.of(outer, incomplete), TPCH)));
        // A name the subquery's own table has is its own (l_partkey = l_partkey holds nothing about part).
        JoinScope shadowed = new JoinScope(inner.members(), List.of(equals("l_partkey", "lineitem.l_partkey")), around, true);
        assertEquals("-", shown(KeyLists.plan(List.of(outer, shadowed), TPCH)));
        // An outer member never receives from the subquery's equality (the subquery filters no outer row).
        JoinScope reversed = new JoinScope(Map.of("supplier", new JoinScope.Member("supplier", true)),
                List.of(equals("s_suppkey", "l_suppkey"), equals("l_partkey", "p_partkey")), around, true);
        assertEquals("-", shown(KeyLists.plan(List.of(reversed), TPCH)));
    }

    /**
     * TPC-H Q20: partsupp by {@code ps_partkey IN (SELECT p_partkey FROM part WHERE ...)}, lineitem
     * correlated to partsupp: lineitem gets part's list through partsupp, which is pulled for it.
     */
    @Test
    void aListPassesThroughATableThatIsPulledForIt() {
        String nested = JoinScope.NESTED + "1";
        JoinScope partsupp = new JoinScope(Map.of("partsupp", new JoinScope.Member("partsupp", true),
                nested, new JoinScope.Member("part", false)), List.of(equals("ps_partkey", nested + ".p_partkey")));
        JoinScope lineitem = new JoinScope(Map.of("lineitem", new JoinScope.Member("lineitem", true)),
                List.of(equals("l_partkey", "ps_partkey"), equals("l_suppkey", "ps_suppkey")),
                Map.of("partsupp", new JoinScope.Member("partsupp", false)), true);
        // partsupp, narrowed on ps_partkey, is no source of ps_suppkey (not its shard key: its pulled rows may name every supplier).
        List<KeyLists.KeyList> lists = KeyLists.plan(List.of(partsupp, lineitem), TPCH);
        assertEquals("lineitem#0.l_partkey<-part.p_partkey partsupp#0.ps_partkey<-part.p_partkey", shown(lists));
        assertEquals(Map.of(0, 1, 1, 2, 2, 2, 3, 1), KeyLists.rounds(lists, List.of(), TPCH));
        // Its shard key ps_suppkey (another placement): then it is a source in a later round, lineitem waits for it.
        List<KeyLists.Table> bySupplier = new ArrayList<>(TPCH);
        KeyLists.Table ps = TPCH.get(1);
        bySupplier.set(1, new KeyLists.Table(ps.name(), ps.columns(), ps.types(), ps.rows(), ps.filtered(), "ps_suppkey", null));
        List<KeyLists.KeyList> passed = KeyLists.plan(List.of(partsupp, lineitem), bySupplier);
        assertEquals("lineitem#0.l_partkey<-part.p_partkey lineitem#0.l_suppkey<-partsupp.ps_suppkey partsupp#0.ps_partkey<-part.p_partkey",
                shown(passed));
        assertEquals(Map.of(0, 1, 1, 2, 2, 3, 3, 1), KeyLists.rounds(passed, List.of(), bySupplier));
        // A bare name is never a nested member's: it is named by its qualifier only.
        JoinScope bare = new JoinScope(partsupp.members(), List.of(equals("ps_partkey", "p_partkey")));
        assertEquals("-", shown(KeyLists.plan(List.of(bare, lineitem), TPCH)));
    }

    /** TPC-H Q21's shape: the occurrences correlated to an occurrence of their own table get no list, so none is narrowed. */
    @Test
    void anOccurrenceCorrelatedToItsOwnTableLeavesTheTableWhole() {
        JoinScope l1 = new JoinScope(Map.of("l1", new JoinScope.Member("lineitem", true, 0, 2),
                "part", new JoinScope.Member("part", true)), List.of(equals("p_partkey", "l1.l_partkey")));
        JoinScope l2 = new JoinScope(Map.of("l2", new JoinScope.Member("lineitem", true, 1, 2)),
                List.of(equals("l2.l_orderkey", "l1.l_orderkey")),
                Map.of("l1", new JoinScope.Member("lineitem", false, 0, 2), "part", new JoinScope.Member("part", false)), true);
        assertEquals("-", shown(KeyLists.plan(List.of(l1, l2), TPCH)));
    }

    @Test
    void aTableNamedTwiceGainsTheUnionOfItsOccurrencesLists() {
        List<KeyLists.KeyList> lists = List.of(
                new KeyLists.KeyList(2, 0, 2, "l_partkey", 0, "p_partkey", "pg_catalog.int8[]"),
                new KeyLists.KeyList(2, 0, 2, "l_suppkey", 3, "s_suppkey", "pg_catalog.int8[]"),
                new KeyLists.KeyList(2, 1, 2, "l_partkey", 0, "p_partkey", "pg_catalog.int8[]"));
        // (A AND B) OR A is A.
        assertEquals(Map.of(2, List.of("(\"l_partkey\" = ANY ('{1,2}'::pg_catalog.int8[]))")),
                KeyLists.conditions(lists, List.of("{1,2}", "{7}")));
        List<KeyLists.KeyList> apart = List.of(lists.get(1), lists.get(2));
        assertEquals(Map.of(2, List.of("((\"l_suppkey\" = ANY ('{7}'::pg_catalog.int8[])) OR (\"l_partkey\" = ANY ('{1,2}'::pg_catalog.int8[])))")),
                KeyLists.conditions(apart, List.of("{7}", "{1,2}")));
        // The same list for each occurrence: written once.
        assertEquals(Map.of(2, List.of("(\"l_partkey\" = ANY ('{1,2}'::pg_catalog.int8[]))")),
                KeyLists.conditions(List.of(lists.get(0), lists.get(2)), List.of("{1,2}")));
        // Past the bound for one occurrence (no values): that occurrence may use any row, so the table is pulled whole.
        assertEquals(Map.of(), KeyLists.conditions(List.of(lists.get(1), lists.get(2)), java.util.Arrays.asList(null, "{7}")));
    }

    /**
     * TPC-H Q21: l1 semi-joined to orders on l_orderkey, l2 and l3 correlated to l1 on l_orderkey: they
     * take l1's conditions on that column, so lineitem is pulled with the EXISTS alone. A condition
     * on another column is not passed on, and an occurrence left without any leaves the table whole.
     */
    @Test
    void anOccurrenceEqualToAnotherOnAColumnTakesItsConditionsOnIt() {
        JoinScope l1 = new JoinScope(Map.of("l1", new JoinScope.Member("lineitem", true, 0, 3)), List.of());
        Map<String, JoinScope.Member> around = Map.of("l1", new JoinScope.Member("lineitem", false, 0, 3));
        JoinScope l2 = new JoinScope(Map.of("l2", new JoinScope.Member("lineitem", true, 1, 3)),
                List.of(equals("l2.l_orderkey", "l1.l_orderkey")), around, true);
        JoinScope l3 = new JoinScope(Map.of("l3", new JoinScope.Member("lineitem", true, 2, 3)),
                List.of(equals("l3.l_orderkey", "l1.l_orderkey"), equals("l3.l_suppkey", "l1.l_suppkey")), around, true);
        List<KeyLists.SameColumn> same = KeyLists.sameColumns(List.of(l1, l2, l3), TPCH);
        assertEquals(java.util.Set.of(new KeyLists.SameColumn(2, 1, 0, "l_orderkey"), new KeyLists.SameColumn(2, 2, 0, "l_orderkey"),
                new KeyLists.SameColumn(2, 2, 0, "l_suppkey")), java.util.Set.copyOf(same));
        String exists = "EXISTS (orders F)";
        KeyLists.OccurrenceCondition semiJoin = new KeyLists.OccurrenceCondition(2, 0, "l_orderkey", exists);
        assertEquals(Map.of(2, "(" + exists + ")"), KeyLists.unions(List.of(semiJoin), same, Map.of(2, 3)));
        // l1 also narrowed on l_partkey: l2 and l3 take only the l_orderkey condition.
        KeyLists.OccurrenceCondition list = new KeyLists.OccurrenceCondition(2, 0, "l_partkey", "l_partkey = ANY (L)");
        assertEquals(Map.of(2, "(" + exists + ")"),
                KeyLists.unions(List.of(semiJoin, list), same, Map.of(2, 3)));
        // l3 narrowed on l_partkey of its own, l1 not: a row pulled for l3 alone may lack the EXISTS, and a subquery
        // evaluated with it would miss rows; so unless every occurrence holds what was passed on, lineitem is whole.
        KeyLists.OccurrenceCondition third = new KeyLists.OccurrenceCondition(2, 2, "l_partkey", "l_partkey = ANY (M)");
        assertEquals(Map.of(2, "(" + exists + ")"),
                KeyLists.unions(List.of(semiJoin, third), same, Map.of(2, 3)));
        KeyLists.OccurrenceCondition unrelated = new KeyLists.OccurrenceCondition(2, 1, "l_partkey", "l_partkey = ANY (M)");
        assertEquals(Map.of(), KeyLists.unions(List.of(semiJoin, unrelated),
                List.of(new KeyLists.SameColumn(2, 2, 0, "l_orderkey")), Map.of(2, 3)));
        // On another column only: l2 and l3 may use any row.
        assertEquals(Map.of(), KeyLists.unions(List.of(list), same, Map.of(2, 3)));
        // Without the equalities, l2 and l3 have nothing.
        assertEquals(Map.of(), KeyLists.unions(List.of(semiJoin), List.of(), Map.of(2, 3)));
        assertEquals(Map.of(2, 3), KeyLists.occurrences(List.of(l1, l2, l3), TPCH));
    }

    /**
     * TPC-H Q21 with lineitem hashed on l_orderkey: l1 narrowed by a key list on l_suppkey (the Saudi
     * suppliers), l2 and l3 equal to l1 on the shard key take that list as a co-located EXISTS of
     * lineitem itself, so lineitem is pulled for the orders that have a Saudi supplier's line, not for
     * every 'F' order. Not on the shard key, or a condition that is not a key list: nothing carried.
     */
    @Test
    void anOccurrenceEqualToAnotherOnTheShardKeyTakesItsKeyListsAsACoLocatedExists() {
        List<KeyLists.Table> tables = List.of(TPCH.get(0), TPCH.get(1), new KeyLists.Table("lineitem",
                List.of("l_partkey", "l_suppkey", "l_orderkey"), List.of(INT8, INT8, INT8), 1_200_000, false, "l_orderkey", null), TPCH.get(3));
        List<KeyLists.SameColumn> same = List.of(new KeyLists.SameColumn(2, 1, 0, "l_orderkey"), new KeyLists.SameColumn(2, 2, 0, "l_orderkey"));
        KeyLists.OccurrenceCondition semiJoin = new KeyLists.OccurrenceCondition(2, 0, "l_orderkey", "EXISTS (orders F)");
        KeyLists.OccurrenceCondition saudi = new KeyLists.OccurrenceCondition(2, 0, "l_suppkey",
                "\"l_suppkey\" = ANY ('{4,9}'::pg_catalog.int8[])");
        java.util.function.BiFunction<Integer, List<String>, String> exists = (t, carried) -> "SAME " + t + " " + carried;
        List<KeyLists.OccurrenceCondition> derived = KeyLists.sameKey(List.of(semiJoin, saudi), same, tables, exists);
        String carried = "SAME 2 [\"l_suppkey\" = ANY ('{4,9}'::pg_catalog.int8[])]";
        assertEquals(List.of(new KeyLists.OccurrenceCondition(2, 1, "l_orderkey", carried),
                new KeyLists.OccurrenceCondition(2, 0, "l_orderkey", carried), new KeyLists.OccurrenceCondition(2, 2, "l_orderkey", carried)),
                derived);
        List<KeyLists.OccurrenceCondition> all = new java.util.ArrayList<>(List.of(semiJoin, saudi));
        all.addAll(derived);
        // l1's rows (the list and F) are some of the others' (F and a Saudi line of the same order): l1 holds that EXISTS
        // too, so its group holds theirs and the union is theirs alone.
        assertEquals(Map.of(2, "(" + carried + " AND EXISTS (orders F))"), KeyLists.unions(all, same, Map.of(2, 3)));
        // Equal on another column than the shard key: the EXISTS would not be answered by one shard.
        assertEquals(List.of(), KeyLists.sameKey(List.of(semiJoin, saudi), List.of(new KeyLists.SameColumn(2, 1, 0, "l_suppkey")), tables,
                exists));
        // A table whose placement is not known (no shard key), or a condition that is not a key list: nothing carried.
        assertEquals(List.of(), KeyLists.sameKey(List.of(semiJoin, saudi), same, TPCH, exists));
        assertEquals(List.of(), KeyLists.sameKey(List.of(semiJoin, new KeyLists.OccurrenceCondition(2, 0, "l_suppkey", "l_suppkey > 3")),
                same, tables, exists));
    }

    /** TPC-H's tables as the coordinator describes them at SF 0.2 on one shard, nation and region as local sources. */
    static List<KeyLists.Table> q5Tables(boolean regionFiltered) {
        return List.of(
                new KeyLists.Table("customer", List.of("c_custkey", "c_nationkey"), List.of(INT4, INT4), 9_937, false, "c_custkey", null),
                new KeyLists.Table("orders", List.of("o_orderkey", "o_custkey", "o_orderdate"), List.of(INT4, INT4, "1082"), 100_045, true,
                        "o_orderkey", null),
                new KeyLists.Table("lineitem", List.of("l_orderkey", "l_suppkey"), List.of(INT4, INT4), 399_548, false, "l_orderkey", null),
                new KeyLists.Table("supplier", List.of("s_suppkey", "s_nationkey"), List.of(INT4, INT4), 677, false, "s_suppkey", null),
                new KeyLists.Table(JoinScope.LOCAL + 0, List.of("n_nationkey", "n_name", "n_regionkey"), List.of(INT4, TEXT, INT4), 25,
                        false, null, null, new KeyLists.Local("public.nation", "nation", List.of())),
                new KeyLists.Table(JoinScope.LOCAL + 1, List.of("r_regionkey", "r_name"), List.of(INT4, TEXT), 5, regionFiltered,
                        null, null, new KeyLists.Local("public.region", "region", regionFiltered ? List.of("(r_name = 'ASIA')") : List.of())));
    }

    /**
     * TPC-H Q5: region (filtered) gives nation's keys, nation supplier's and customer's (c_nationkey =
     * s_nationkey = n_nationkey), supplier lineitem's suppkeys and customer orders' custkeys; orders
     * (filtered, and narrowed on o_custkey) gives lineitem its orderkeys, so lineitem comes last.
     */
    @Test
    void q5ChainsFromRegionToLineitem() {
        Map<String, JoinScope.Member> members = new LinkedHashMap<>();
        members.put("customer", new JoinScope.Member("customer", true));
        members.put("orders", new JoinScope.Member("orders", true));
        members.put("lineitem", new JoinScope.Member("lineitem", true));
        members.put("supplier", new JoinScope.Member("supplier", true));
        members.put("nation", new JoinScope.Member(JoinScope.LOCAL + 0, true));
        members.put("region", new JoinScope.Member(JoinScope.LOCAL + 1, true));
        JoinScope scope = new JoinScope(members, List.of(equals("c_custkey", "o_custkey"), equals("l_orderkey", "o_orderkey"),
                equals("l_suppkey", "s_suppkey"), equals("c_nationkey", "s_nationkey"), equals("s_nationkey", "n_nationkey"),
                equals("n_regionkey", "r_regionkey")), Map.of(), true);
        List<KeyLists.Table> tables = q5Tables(true);
        List<KeyLists.KeyList> lists = KeyLists.plan(List.of(scope), tables);
        assertEquals("customer#0.c_nationkey<-local0.n_nationkey lineitem#0.l_orderkey<-orders.o_orderkey "
                + "lineitem#0.l_suppkey<-supplier.s_suppkey local0#0.n_regionkey<-local1.r_regionkey "
                + "orders#0.o_custkey<-customer.c_custkey supplier#0.s_nationkey<-local0.n_nationkey",
                shown(lists, tables));
        assertEquals(Map.of(0, 2, 1, 3, 2, 4, 3, 2), KeyLists.rounds(lists, List.of(), tables));
        assertEquals("SELECT (SELECT CASE WHEN pg_catalog.count(*) <= 50000 THEN COALESCE(pg_catalog.array_agg(k)::text, '{}') END"
                + " FROM (SELECT DISTINCT \"n_nationkey\" AS k FROM (SELECT * FROM public.nation AS nation WHERE \"n_regionkey\" IN"
                + " (SELECT \"r_regionkey\" FROM (SELECT * FROM public.region AS region WHERE (r_name = 'ASIA')) s)) s"
                + " WHERE \"n_nationkey\" IS NOT NULL LIMIT 50001) v)",
                KeyLists.query(lists.stream().filter(l -> l.receiver() == 3).toList(), List.of(), tables, lists));
        // Without region's condition nothing is narrowed but lineitem, by the orders of the period.
        List<KeyLists.Table> unfiltered = q5Tables(false);
        assertEquals("lineitem#0.l_orderkey<-orders.o_orderkey", shown(KeyLists.plan(List.of(scope), unfiltered), unfiltered));
    }

    private static String shown(List<KeyLists.KeyList> lists, List<KeyLists.Table> tables) {
        return lists.isEmpty() ? "-" : lists.stream().map(l -> tables.get(l.receiver()).name().replace(JoinScope.LOCAL, "local")
                        + "#" + l.occurrence() + "." + l.column() + "<-" + tables.get(l.source()).name().replace(JoinScope.LOCAL, "local")
                        + "." + l.sourceColumn())
                .sorted().collect(Collectors.joining(" "));
    }

    private static JoinScope.Column column(String text) {
        int dot = text.indexOf('.');
        return dot < 0 ? new JoinScope.Column(null, text) : new JoinScope.Column(text.substring(0, dot), text.substring(dot + 1));
    }

    private static String oid(String type) {
        return switch (type) {
            case "int8" -> INT8;
            case "int4" -> INT4;
            case "numeric" -> NUMERIC;
            default -> TEXT;
        };
    }
}
