package dev.pgsteer.router;

import static dev.pgsteer.router.RoutingFixture.assertRoute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Routing comments: {@code shard=NAME} and {@code key=VALUE} decide over whatever the statement says. */
class RoutingCommentTest {
    final ShardRouter router = RoutingFixture.router();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /* shard=s2 */ SELECT * FROM orders                                          | s2 | routing comment shard=s2
            /* key=5 */ SELECT * FROM orders WHERE status = 'x'                          | s2 | routing comment key=5 for orders
            """)
    void routes(String sql, String shards, String why) throws RoutingException {
        assertRoute(RoutingFixture.route(router, sql), shards, Answer.ONE, StatementKind.READ, "-", why);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /* shard=s9 */ SELECT 1                                                                 | 22023 | s9
            """)
    void refuses(String sql, String sqlState, String mentions) {
        RoutingException e = assertThrows(RoutingException.class, () -> RoutingFixture.route(router, sql));
        assertEquals(sqlState, e.sqlState(), e.getMessage());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }
}
