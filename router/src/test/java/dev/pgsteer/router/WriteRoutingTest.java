package dev.pgsteer.router;

import static dev.pgsteer.router.RoutingFixture.assertRoute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * UPDATE and DELETE as a table: the target's key conditions choose the shards
 * ({@link RoutingFixture}: integer key k is on shard k mod 3); a multi-shard write sums the counts
 * (COMBINE), a write to a reference table runs on every shard with one answer (MIRROR).
 */
class WriteRoutingTest {
    final ShardRouter router = RoutingFixture.router();

    Route route(String sql) throws RoutingException {
        return RoutingFixture.route(router, sql);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET status = 'paid' WHERE customer_id = 5                      | s2       | ONE     | shard key of orders
            UPDATE orders SET status = 'paid'                                             | s0 s1 s2 | COMBINE | no usable condition on the shard key of orders: every shard
            DELETE FROM orders WHERE customer_id IN (1, 2)                               | s1 s2    | COMBINE | shard key of orders
            DELETE FROM orders                                                           | s0 s1 s2 | COMBINE | no usable condition on the shard key of orders: every shard
            UPDATE currencies SET rate = 2                                                | s0 s1 s2 | MIRROR  | reference table currencies
            """)
    void routes(String sql, String shards, Answer answer, String why) throws RoutingException {
        assertRoute(route(sql), shards, answer, StatementKind.WRITE, "-", why);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET customer_id = 3 WHERE customer_id = 1                                 | 0A000 | shard key
            """)
    void refuses(String sql, String sqlState, String mentions) {
        RoutingException e = assertThrows(RoutingException.class, () -> route(sql));
        assertEquals(sqlState, e.sqlState(), e.getMessage());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }
}
