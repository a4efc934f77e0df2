package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.router.Router;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.plan.Functions;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A plan that meets a name the catalog read did not have tells the router's catalogGap (proxy-core
 * then reads the catalog again, off the event loops), once per shape; a statement coordinated or
 * merged for any other reason does not. The catalog here: {@link CollationRoutingTest#C_AS_READ}
 * (orders without label; currencies not read) and pg_catalog's functions plus my_scalar.
 */
class CatalogGapRoutingTest {
    private int gaps;
    private final Router router = new Router(new ShardRouter(RouterFixture.SHOP, RouterFixture.PLACER,
            CollationRoutingTest.C_AS_READ, 100)
            .withFunctions(Functions.builtinAnd(List.of(), List.of(new Functions.Name("public", "my_scalar"))))
            .withCatalogGap(() -> gaps++));

    private String route(String sql) {
        return RouterFixture.describe(router.route(SqlLexer.statement(sql), KeySource.Placeholders.NONE,
                new RouteContext(Set.of(), false, false)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT made_since(total) FROM orders                                  | 1
            SELECT id, label FROM orders ORDER BY label                           | 1
            SELECT label, count(*) FROM orders GROUP BY label                     | 1
            SELECT o.id FROM orders o JOIN currencies c ON c.code = o.status ORDER BY c.code | 1
            SELECT count(DISTINCT status) FROM orders                             | 0
            SELECT x FROM (SELECT status AS x FROM orders) d ORDER BY x           | 0
            SELECT my_scalar(total), id FROM orders ORDER BY id                   | 0
            SELECT id, status FROM orders ORDER BY status                         | 0
            """)
    void aNameTheCatalogDidNotHaveIsReportedOncePerShape(String sql, int expected) {
        String first = route(sql);
        assertEquals(first, route(sql), "the same plan, from the cache");
        assertEquals(expected, gaps, first);
    }
}
