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
