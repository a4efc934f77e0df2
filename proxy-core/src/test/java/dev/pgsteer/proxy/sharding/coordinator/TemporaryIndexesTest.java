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
}
