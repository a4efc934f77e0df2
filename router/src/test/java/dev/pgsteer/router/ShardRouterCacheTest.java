package dev.pgsteer.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import org.junit.jupiter.api.Test;

/** The router's plan cache: one analysis per shape, looked up without a parse, its lookups counted. */
class ShardRouterCacheTest {
    final ShardRouter router = RoutingFixture.router();

    @Test
    void theAnalysisIsCachedPerShape() {
        LexedStatement one = SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 1");
        router.analysis(one);

        assertNotNull(router.cached(SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 99")));
    }

    /**
     * A typed literal leaves {@code date $1} in the shape, which JSQLParser cannot read (TPC-H Q20's
     * took it a second to fail): the shape is tried once, then each execution analyses its text
     * directly, with the same outcome.
     */
    @Test
    void aShapeThatDoesNotParseIsTriedOnce() {
        ShardRouter fresh = ShardRouter.of(router.database(), 100);
        fresh.analysis(SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 7"));
        assertEquals(0, fresh.unparsedShapes());
        LexedStatement typed = SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 7 AND created > date '2025-01-01'");
        var first = fresh.analysis(typed);
        assertEquals(1, fresh.unparsedShapes());
        var second = fresh.analysis(SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 8 AND created > date '2025-02-01'"));
        assertEquals(1, fresh.unparsedShapes());
        assertEquals(first.placement().getClass(), second.placement().getClass());
        assertEquals(first.kind(), second.kind());
    }

    @Test
    void cacheLookupsAreCountedAsHitsAndMisses() {
        ShardRouter fresh = ShardRouter.of(router.database(), 100);
        LexedStatement statement = SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 7");
        assertNull(fresh.cached(statement));
        fresh.analysis(statement);
        assertNotNull(fresh.cached(SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 8")));

        assertEquals(1, fresh.planCacheHits());
        assertEquals(1, fresh.planCacheMisses());
        assertEquals(1, fresh.planCacheSize());
    }
}
