package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Indexes on a filled temporary table: the pulled leading columns of the real table's, then ANALYZE. */
class TemporaryIndexesTest {
    static final String INDEXES = "l_orderkey,l_linenumber;l_partkey;\"Odd;Name\",l_suppkey;l_comment";

    @Test
    void theRealTablesIndexesWhoseColumnsWerePulledThenAnalyze() {
        assertEquals("CREATE INDEX ON pg_temp.lineitem (\"l_partkey\"); CREATE INDEX ON pg_temp.lineitem (\"Odd;Name\", \"l_suppkey\")",
                TemporaryIndexes.indexes("lineitem", INDEXES, List.of("l_partkey", "l_suppkey", "Odd;Name", "l_quantity")));
        // (l_orderkey, l_linenumber) with l_orderkey pulled alone, and (l_partkey) once though two indexes lead with it.
        assertEquals("CREATE INDEX ON pg_temp.lineitem (\"l_orderkey\"); CREATE INDEX ON pg_temp.lineitem (\"l_partkey\")",
                TemporaryIndexes.indexes("lineitem", "l_orderkey,l_linenumber;l_partkey,l_suppkey;l_partkey", List.of("l_orderkey", "l_partkey")));
    }

    @Test
    void withoutSubqueriesOrIndexesOnlyStatistics() {
        assertEquals("ANALYZE pg_temp.lineitem", TemporaryIndexes.analyze("lineitem"));
        assertEquals("", TemporaryIndexes.indexes("t", null, List.of("a")));
        assertEquals("", TemporaryIndexes.indexes("lineitem", INDEXES, List.of("l_quantity")));
    }

    @Test
    void collatableColumnsAreAnalyzedFromASmallerSample() {
        // No collatable column pulled: one ANALYZE, as before.
        assertEquals(List.of("ANALYZE pg_temp.customer"),
                TemporaryIndexes.analyze("customer", List.of("c_custkey", "c_acctbal"), "c_name,c_comment"));
        assertEquals(List.of("ANALYZE pg_temp.customer"), TemporaryIndexes.analyze("customer", List.of("c_custkey"), null));
        // The pulled text columns get a target of 10 on the temporary table and an ANALYZE of their own.
        assertEquals(List.of("ALTER TABLE pg_temp.customer ALTER COLUMN \"c_name\" SET STATISTICS 10,"
                        + " ALTER COLUMN \"Odd \"\"Name\" SET STATISTICS 10",
                        "ANALYZE pg_temp.customer (\"c_custkey\")",
                        "ANALYZE pg_temp.customer (\"c_name\", \"Odd \"\"Name\")"),
                TemporaryIndexes.analyze("customer", List.of("c_custkey", "c_name", "Odd \"Name"),
                        "c_name,\"Odd \"\"Name\",c_comment"));
        // Only text columns: no ANALYZE of the others.
        assertEquals(List.of("ALTER TABLE pg_temp.orders ALTER COLUMN \"o_comment\" SET STATISTICS 10",
                        "ANALYZE pg_temp.orders (\"o_comment\")"),
                TemporaryIndexes.analyze("orders", List.of("o_comment"), "o_comment"));
    }
}
