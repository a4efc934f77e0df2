package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A SELECT on several shards whose rows pgsteer cannot merge goes to the coordinator step (the
 * default shard pulls every shard's rows and runs the statement); on one shard it runs there as
 * before; what no coordinator answers yet (the extended protocol, EXPLAIN, COPY of a query) keeps
 * the merge planner's refusal.
 */
class CoordinateRoutingTest {
    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT status) FROM orders                                  | coordinate on s0 pulling orders
            SELECT id, rank() OVER (ORDER BY total) FROM orders                        | coordinate on s0 pulling orders
            SELECT count(DISTINCT status) FROM orders WHERE customer_id IN (1, 2)      | coordinate on s0 pulling orders
            SELECT count(DISTINCT status) FROM orders o JOIN currencies c ON c.code = o.currency | coordinate on s0 pulling orders
            SELECT id FROM orders ORDER BY id FETCH FIRST 3 ROWS ONLY                  | coordinate on s0 pulling orders
            SELECT * FROM (SELECT status, count(*) FROM orders GROUP BY status) s      | coordinate on s0 pulling orders
            SELECT avg(total)::numeric(10,2), stddev(total) FROM orders                | coordinate on s0 pulling orders
            SELECT id FROM orders UNION SELECT id FROM orders                          | coordinate on s0 pulling orders
            SELECT * FROM orders WHERE total > (SELECT avg(total) FROM orders)         | coordinate on s0 pulling orders
            SELECT * FROM notes n JOIN orders o ON o.customer_id = n.v                 | coordinate on s0 pulling orders
            SELECT count(DISTINCT status) FROM orders WHERE customer_id = 4            | run s1 one read (shard key of orders)
            SELECT count(DISTINCT o.status) FROM orders o WHERE o.customer_id > 4      | coordinate on s0 pulling orders
            SELECT count(*) FROM orders                                                | run s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard, rows merged)
            """)
    void anUnmergeableSelectOnSeveralShardsIsCoordinated(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            EXPLAIN SELECT count(DISTINCT status) FROM orders                | refused 0A000 pgsteer cannot merge count(DISTINCT ...)
            COPY (SELECT count(DISTINCT status) FROM orders) TO STDOUT       | refused 0A000 pgsteer cannot merge count(DISTINCT ...)
            SELECT count(DISTINCT status) FROM public.orders                 | refused 0A000 pgsteer cannot merge count(DISTINCT ...)
            SELECT count(DISTINCT status) FROM "public" . "orders"           | refused 0A000 pgsteer cannot merge count(DISTINCT ...)
            UPDATE orders SET total = 0 WHERE id IN (SELECT max(id) FROM orders) | refused 0A000 tables orders and orders are not joined
            """)
    void noCoordinatorAnswersExplainCopyASchemaQualifiedTableOrAWriteYet(String sql, String start) {
        String answer = fixture.answer(sql);
        assertEquals(start, answer.substring(0, Math.min(start.length(), answer.length())), answer);
    }

    @ParameterizedTest(name = "extended: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT status) FROM orders
            """)
    void theExtendedProtocolIsRefusedWithTheReason(String sql) {
        String answer = fixture.answer(sql, new RouteContext(Set.of(), false, true));
        assertEquals(true, answer.startsWith("refused 0A000 pgsteer cannot merge"), answer);
        assertEquals(true, answer.endsWith("runs in the simple query protocol only, for now)"), answer);
    }
}
