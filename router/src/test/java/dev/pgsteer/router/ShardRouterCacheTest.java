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
