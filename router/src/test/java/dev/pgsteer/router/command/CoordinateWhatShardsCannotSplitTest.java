package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Statements whose shards' answers, concatenated or merged, would not be PostgreSQL's answer (each
 * was a wrong answer found by the differential corpus) go to the coordinator step; their co-located
 * or one-shard forms are routed as before. And statements JSQLParser cannot parse that only read
 * are coordinated rather than refused.
 */
class CoordinateWhatShardsCannotSplitTest {
    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT id FROM orders WHERE total >= ALL (SELECT total FROM orders WHERE status = 'new')          | coordinate on s0 pulling orders
            SELECT id FROM orders WHERE total = ANY (SELECT total FROM orders WHERE status = 'new')           | coordinate on s0 pulling orders
            SELECT id FROM orders WHERE customer_id = 5 AND total > ALL (SELECT total FROM orders WHERE customer_id = 4) | coordinate on s0 pulling orders
            SELECT id FROM orders WHERE customer_id = 4 AND total > ALL (SELECT total FROM orders WHERE customer_id = 7) | run s1 one read (shard key of orders)
            """)
    void aSubqueryOfAnyOrAllIsATableScopeLikeInOrExists(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT rank(250) WITHIN GROUP (ORDER BY total) FROM orders                                        | coordinate on s0 pulling orders
            SELECT status, percent_rank(100) WITHIN GROUP (ORDER BY total) FROM orders GROUP BY status        | coordinate on s0 pulling orders
            SELECT status, cume_dist(100) WITHIN GROUP (ORDER BY total) FROM orders GROUP BY status           | coordinate on s0 pulling orders
            SELECT id, rank() OVER (ORDER BY total) FROM orders WHERE customer_id = 4                         | run s1 one read (shard key of orders)
            SELECT JSON_ARRAYAGG(status ORDER BY status) FROM orders                                          | coordinate on s0 pulling orders
            SELECT JSON_OBJECTAGG(status VALUE total RETURNING jsonb) FROM orders                             | coordinate on s0 pulling orders
            SELECT json_object_agg_unique(id, total ORDER BY id) FROM orders                                  | coordinate on s0 pulling orders
            SELECT jsonb_agg_strict(currency) FROM orders                                                     | coordinate on s0 pulling orders
            SELECT jsonb_object_agg_unique_strict(id, currency) FROM orders                                   | coordinate on s0 pulling orders
            """)
    void everyAggregateIsKnownAsOne(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT code FROM currencies c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.currency = c.code)  | coordinate on s0 pulling orders
            SELECT code FROM currencies c WHERE code IN (SELECT currency FROM orders)                          | coordinate on s0 pulling orders
            SELECT EXISTS (SELECT 1 FROM orders WHERE total > 499)                                             | coordinate on s0 pulling orders
            SELECT c.code, o.id FROM currencies c LEFT JOIN orders o ON o.currency = c.code                    | coordinate on s0 pulling orders
            SELECT c.code, o.id FROM orders o RIGHT JOIN currencies c ON o.currency = c.code                   | coordinate on s0 pulling orders
            SELECT c.code, count(*) FROM currencies c FULL JOIN orders o ON o.currency = c.code GROUP BY c.code | coordinate on s0 pulling orders
            WITH r AS (SELECT code FROM currencies) SELECT code FROM r WHERE code IN (SELECT currency FROM orders) | coordinate on s0 pulling orders
            SELECT o.id, c.code FROM orders o LEFT JOIN currencies c ON c.code = o.currency                    | run s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            SELECT c.code, o.id FROM currencies c JOIN orders o ON o.currency = c.code                         | run s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            SELECT c.code, o.id FROM currencies c, orders o WHERE o.currency = c.code                          | run s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            WITH big AS (SELECT id FROM orders WHERE total > 480) SELECT id FROM big                           | run s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            SELECT code FROM currencies c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.currency = c.code AND o.customer_id = 4) | run s1 one read (shard key of orders)
            """)
    void aRowWithoutARowOfAShardedTableWouldComeFromEveryShard(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT id, max(total) OVER (PARTITION BY status ORDER BY id ROWS UNBOUNDED PRECEDING) FROM orders  | coordinate on s0 pulling orders
            SELECT id, max(total) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) FROM orders WHERE customer_id = 4 | run s1 one read (shard key of orders)
            SELECT customer_id, array_agg(currency ORDER BY id) FILTER (WHERE currency IS NULL) FROM orders GROUP BY customer_id | coordinate on s0 pulling orders
            """)
    void whatJsqlParsersWalkFailsOnIsPlannedNotAnInternalError(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT id, sum(total) OVER (ORDER BY status GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM orders | coordinate on s0 pulling orders
            SELECT id FROM orders ORDER BY id LIMIT ('4'::int8)::INTEGER                                         | coordinate on s0 pulling orders
            WITH t AS NOT MATERIALIZED (SELECT id FROM orders) SELECT count(*) FROM t                           | coordinate on s0 pulling orders
            SELECT id FROM orders WHERE customer_id = 4 ORDER BY id LIMIT ('4'::int8)::INTEGER                  | coordinate on s0 pulling orders
            SELECT id FROM orders ORDER BY id LIMIT ('4'::int8)::INTEGER FOR UPDATE                             | refused 0A000 pgsteer cannot parse this statement, which names sharded table orders, so it cannot tell where it must run; add a routing comment (/* shard=NAME */) to send it to one shard
            SELECT id FROM orders, U&"cur\\0072encies" LIMIT ('4'::int8)::INTEGER                               | refused 0A000 pgsteer cannot parse this statement, which names sharded table orders, so it cannot tell where it must run; add a routing comment (/* shard=NAME */) to send it to one shard
            SELECT code FROM currencies ORDER BY code LIMIT ('4'::int8)::INTEGER                                | run s0 one read (not parsed; reads no sharded table)
            SELECT xmlagg(xmlelement(name c, code) ORDER BY code) FROM currencies                               | run s0 one read (not parsed; reads no sharded table)
            UPDATE currencies SET rate = 1 WHERE code IN (SELECT code FROM currencies LIMIT ('4'::int8)::INTEGER) | refused 0A000 pgsteer cannot parse this statement, which names reference table currencies, so it cannot tell where it must run; add a routing comment (/* shard=NAME */) to send it to one shard
            """)
    void aReadJsqlParserCannotParseIsCoordinatedOverTheShardedTablesItNames(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT id FROM orders ORDER BY id LIMIT ('4'::int8)::INTEGER | refused 0A000 pgsteer cannot merge a statement JSQLParser cannot parse (pgsteer cannot tell where its rows are nor merge them) (tables orders); give the shard key so it runs on one shard (the coordinator step answers it only outside a transaction that has used shards: pgsteer cannot tell which unsharded tables it reads)
            """)
    void notInATransactionThatHasUsedShards(String sql, String command) {
        assertEquals(command, fixture.answer(sql, new RouteContext(Set.of("s1"), false, false)));
    }
}
