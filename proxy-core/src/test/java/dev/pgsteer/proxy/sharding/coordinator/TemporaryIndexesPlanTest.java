package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Indexes on the pulled rows only where PostgreSQL's plan runs a subquery once per row: EXPLAIN's
 * text (PostgreSQL 15 and 17, as TPC-H's queries give it) decides.
 */
class TemporaryIndexesPlanTest {
    /** Q17: a correlated aggregate per part row. */
    static final List<String> CORRELATED = List.of(
            "Aggregate  (cost=...)",
            "  ->  Hash Join  (cost=...)",
            "        Join Filter: (lineitem.l_quantity < (SubPlan 1))",
            "        ->  Seq Scan on lineitem  (cost=...)",
            "        SubPlan 1",
            "          ->  Aggregate  (cost=...)",
            "                ->  Seq Scan on lineitem lineitem_1  (cost=...)",
            "                      Filter: (l_partkey = part.p_partkey)");
    /** Q18 as PostgreSQL may plan its IN: a hashed subplan, run once. */
    static final List<String> HASHED = List.of(
            "Sort  (cost=...)",
            "  ->  Seq Scan on orders  (cost=...)",
            "        Filter: (hashed SubPlan 1)",
            "        SubPlan 1",
            "          ->  HashAggregate  (cost=...)");
    /** Q22: an InitPlan (once) and an anti join. */
    static final List<String> INIT_AND_JOIN = List.of(
            "Sort  (cost=...)",
            "  InitPlan 1 (returns $0)",
            "    ->  Aggregate  (cost=...)",
            "  ->  Hash Anti Join  (cost=...)");

    @Test
    void onlyASubplanRunPerRowMakesIndexesWorthTheirBuild() {
        assertEquals(true, TemporaryIndexes.runsSubqueryPerRow(CORRELATED));
        assertEquals(false, TemporaryIndexes.runsSubqueryPerRow(HASHED));
        assertEquals(false, TemporaryIndexes.runsSubqueryPerRow(INIT_AND_JOIN));
        List<String> both = new java.util.ArrayList<>(HASHED);
        both.add("        Filter: (x > (SubPlan 2))");
        both.add("        SubPlan 2");
        assertEquals(true, TemporaryIndexes.runsSubqueryPerRow(both));
        // Q21's EXISTS and NOT EXISTS over lineitem as a nested loop: an index on its inner side helps.
        assertEquals(true, TemporaryIndexes.gainsFromIndexes(List.of("Limit", "  ->  Nested Loop Anti Join", "        ->  Seq Scan on lineitem l3")));
        assertEquals(false, TemporaryIndexes.gainsFromIndexes(HASHED));
        assertEquals(false, TemporaryIndexes.gainsFromIndexes(INIT_AND_JOIN));
        assertEquals(true, TemporaryIndexes.gainsFromIndexes(CORRELATED));
    }

    @Test
    void theIndexStatementsAloneWithoutTheAnalyze() {
        assertEquals("CREATE INDEX ON pg_temp.lineitem (\"l_partkey\", \"l_suppkey\")",
                TemporaryIndexes.indexes("lineitem", "\"l_partkey\",\"l_suppkey\"", List.of("l_partkey", "l_suppkey")));
        assertEquals("", TemporaryIndexes.indexes("lineitem", null, List.of("l_partkey")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            SELECT 1                                  | true
            /* report */ WITH x AS (SELECT 1) TABLE x | true
            (SELECT 1) UNION SELECT 2                 | true
            DECLARE c CURSOR FOR SELECT 1             | false
            COPY (SELECT 1) TO STDOUT                 | false
            EXPLAIN SELECT 1                          | false
            """)
    void explainPlansPlainQueriesOnly(String sql, boolean plain) {
        assertEquals(plain, PlainQuery.is(sql), sql);
    }
}
