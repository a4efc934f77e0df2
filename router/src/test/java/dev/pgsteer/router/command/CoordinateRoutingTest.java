package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A SELECT on several shards whose rows pgsteer cannot merge goes to the coordinator step (the
 * default shard pulls every shard's rows and runs the statement); on one shard it runs there as
 * before; in the extended protocol alike (COPY of such a query: in the simple protocol only); what
 * no coordinator answers yet (a write) keeps the merge
 * planner's refusal.
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
            COPY (SELECT count(DISTINCT status) FROM orders) TO STDOUT                 | coordinate on s0 pulling orders
            COPY (SELECT count(*) FROM orders) TO STDOUT                               | coordinate on s0 pulling orders
            COPY (SELECT id FROM orders ORDER BY id LIMIT 5) TO STDOUT                 | coordinate on s0 pulling orders
            COPY (SELECT id, status FROM orders WHERE total > 5) TO STDOUT             | run s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            COPY (SELECT count(*) FROM orders WHERE customer_id = 4) TO STDOUT         | run s1 one read (shard key of orders)
            SELECT count(*) FROM orders                                                | run s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard, rows merged)
            """)
    void anUnmergeableSelectOnSeveralShardsIsCoordinated(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            EXPLAIN ROUTE SELECT count(DISTINCT status) FROM orders           | explain coordinate on s0 pulling orders from s0 s1 s2 (pgsteer cannot merge count(DISTINCT ...) over several shards (tables orders); give the shard key so it runs on one shard) running SELECT count(DISTINCT status) FROM orders
            EXPLAIN ROUTE SELECT id FROM orders UNION SELECT id FROM orders   | explain coordinate on s0 pulling orders from s0 s1 s2 (tables orders and orders are not joined on their shard keys, and their rows are on different shards; join sharded tables on their keys (co-located), or give each the same key value) running SELECT id FROM orders UNION SELECT id FROM orders
            """)
    void explainRouteOfACoordinatedStatementShowsTheStep(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            EXPLAIN ROUTE SELECT count(DISTINCT status) FROM public.orders   | explain coordinate on s0 pulling orders from s0 s1 s2
            EXPLAIN ROUTE SELECT count(DISTINCT status) FROM orders WHERE customer_id = 4 | explain route s1 one read (shard key of orders)
            EXPLAIN ROUTE UPDATE orders SET total = 0 WHERE id IN (SELECT id FROM orders WHERE total > 5) | refused 0A000 tables orders and orders are not joined
            EXPLAIN ROUTE INSERT INTO orders (id, customer_id) SELECT id + 1, customer_id FROM orders | refused 0A000 EXPLAIN of INSERT ... SELECT into sharded table orders is not supported
            COPY (INSERT INTO orders (id, customer_id) SELECT id + 1, customer_id FROM orders RETURNING id) TO STDOUT | refused 0A000 INSERT ... SELECT into sharded table orders with RETURNING is not supported
            """)
    void explainRouteOfWhatIsNotCoordinatedIsAsBefore(String sql, String start) {
        String answer = fixture.answer(sql);
        assertEquals(start, answer.substring(0, Math.min(start.length(), answer.length())), answer);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET total = 0 WHERE id IN (SELECT max(id) FROM public.orders) | write UPDATE orders SET total = 0 WHERE id = ANY(...) with the values of SELECT max(id) FROM public.orders read by the coordinate on s0 pulling orders
            """)
    void aWriteReadsOnTheCoordinatorItsTablesNamedWithTheirSchemaToo(String sql, String start) {
        String answer = fixture.answer(sql);
        assertEquals(start, answer.substring(0, Math.min(start.length(), answer.length())), answer);
    }

    /** Inside a transaction block the coordinator shadows the other tables too: it must know them. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT status) FROM orders                                               | []
            SELECT count(DISTINCT status) FROM orders o JOIN currencies c ON c.code = o.currency    | [currencies]
            SELECT * FROM notes n JOIN orders o ON o.customer_id = n.v                              | [notes]
            SELECT count(DISTINCT o.status) FROM orders o, notes, "Memo" m, currencies WHERE o.id = m.id | [notes, Memo, currencies]
            SELECT id FROM orders WHERE id IN (SELECT v FROM app.notes) UNION SELECT id FROM orders | [notes]
            WITH notes AS (SELECT 1 AS v) SELECT count(DISTINCT status) FROM orders, notes           | []
            """)
    void theCoordinatorKnowsTheOtherTablesItReads(String sql, String alsoReads) {
        Command.Coordinate coordinate = (Command.Coordinate) fixture.router.route(SqlLexer.statement(sql),
                KeySource.Placeholders.NONE, new RouteContext(Set.of(), false, false));
        assertEquals(alsoReads, coordinate.alsoReads().toString());
    }

    /** EXPLAIN [ANALYZE] of such a SELECT runs on the coordinator too, after the pulls: the plan is PostgreSQL's there. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            EXPLAIN SELECT count(DISTINCT status) FROM orders                 | explain on coordinator coordinate on s0 pulling orders from s0 s1 s2
            EXPLAIN (ANALYZE, COSTS off) SELECT count(DISTINCT status) FROM orders | explain on coordinator coordinate on s0 pulling orders from s0 s1 s2
            EXPLAIN ANALYZE VERBOSE SELECT count(DISTINCT status) FROM public.orders | explain on coordinator coordinate on s0 pulling orders from s0 s1 s2
            EXPLAIN SELECT count(DISTINCT status) FROM orders WHERE customer_id = 4 | explain s1 one read (explain) of s1
            EXPLAIN UPDATE orders SET total = 0 WHERE id IN (SELECT max(id) FROM orders) | refused 0A000 tables orders and orders are not joined
            """)
    void explainOfACoordinatedSelectRunsOnTheCoordinator(String sql, String command) {
        String answer = fixture.answer(sql);
        assertEquals(command, answer.substring(0, Math.min(command.length(), answer.length())), answer);
    }

    /**
     * A sharded table named with its schema is coordinated too: the coordinator reads schema.t as
     * pg_temp.t once its catalog tells the table's schema (or refuses there, proxy-core's QualifiedNames).
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT status) FROM public.orders                 | coordinate on s0 pulling orders
            SELECT count(DISTINCT status) FROM "public" . "orders"           | coordinate on s0 pulling orders
            SELECT count(DISTINCT o.status) FROM public.orders o             | coordinate on s0 pulling orders
            """)
    void aShardedTableNamedWithItsSchemaIsCoordinated(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "extended: {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT status) FROM orders                            | coordinate on s0 pulling orders
            SELECT status, string_agg(id::text, $1) FROM orders GROUP BY status  | coordinate on s0 pulling orders
            SELECT id FROM orders WHERE total > $1 ORDER BY id FETCH FIRST 3 ROWS ONLY | coordinate on s0 pulling orders
            SELECT count(DISTINCT status) FROM public.orders                     | coordinate on s0 pulling orders
            """)
    void theExtendedProtocolIsCoordinatedAlike(String sql, String command) {
        assertEquals(command, fixture.answer(sql, new RouteContext(Set.of(), false, true)));
    }
}
