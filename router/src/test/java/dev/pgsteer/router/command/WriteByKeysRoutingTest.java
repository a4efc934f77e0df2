package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * UPDATE and DELETE of a sharded table with {@code column IN (SELECT ...)}: co-located, they run
 * shard by shard as before; when the subquery reads other shards, pgsteer runs it first (on its
 * shards, or on the coordinator when pgsteer would merge its rows) and the write after, with its
 * values as constants, on every shard, in either protocol. {@code x IN (SELECT ...) AND y}, which
 * JSQLParser 5.3 reads as {@code x IN ((SELECT ...) AND y)}, is read as PostgreSQL reads it. What
 * that would not make exactly the statement stays refused.
 */
class WriteByKeysRoutingTest {
    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET total = 0 WHERE customer_id = 4 AND id IN (SELECT id FROM orders WHERE customer_id = 4) | run s1 one write (shard key of orders)
            UPDATE orders SET total = 0 WHERE customer_id IN (SELECT customer_id FROM orders WHERE customer_id = 4)  | write UPDATE orders SET total = 0 WHERE customer_id = ANY(...) with the values of SELECT customer_id FROM orders WHERE customer_id = 4 read from s1 one read (shard key of orders)
            UPDATE orders SET total = 0 WHERE id IN (SELECT id FROM orders WHERE total > 5)                        | write UPDATE orders SET total = 0 WHERE id = ANY(...) with the values of SELECT id FROM orders WHERE total > 5 read from s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            DELETE FROM orders WHERE status = 'x' AND customer_id IN (SELECT customer_id FROM notes)               | write DELETE FROM orders WHERE status = 'x' AND customer_id = ANY(...) with the values of SELECT customer_id FROM notes read from s0 one read (unsharded table notes)
            UPDATE orders SET status = 'x' WHERE status IS NOT NULL AND id IN (SELECT total FROM notes)              | write UPDATE orders SET status = 'x' WHERE status IS NOT NULL AND id = ANY(...) with the values of SELECT total FROM notes read from s0 one read (unsharded table notes)
            DELETE FROM orders o WHERE o.id IN (SELECT id FROM orders WHERE status = 'lost') RETURNING o.id        | write DELETE FROM orders o WHERE o.id = ANY(...) RETURNING o.id with the values of SELECT id FROM orders WHERE status = 'lost' read from s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            UPDATE orders SET total = 0 WHERE id IN (SELECT max(id) FROM orders)                                    | write UPDATE orders SET total = 0 WHERE id = ANY(...) with the values of SELECT max(id) FROM orders read by the coordinate on s0 pulling orders
            UPDATE orders SET total = 0 WHERE id IN (SELECT o.id FROM orders o JOIN orders p ON p.id = o.id)        | write UPDATE orders SET total = 0 WHERE id = ANY(...) with the values of SELECT o.id FROM orders o JOIN orders p ON p.id = o.id read by the coordinate on s0 pulling orders
            UPDATE orders SET total = 0 WHERE id IN (SELECT id FROM orders WHERE total > 5) AND status = 'x'       | write UPDATE orders SET total = 0 WHERE id = ANY(...) AND status = 'x' with the values of SELECT id FROM orders WHERE total > 5 read from s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            DELETE FROM orders WHERE status = 'x' AND id IN (SELECT id FROM orders) AND total > 1 AND total < 9   | write DELETE FROM orders WHERE status = 'x' AND id = ANY(...) AND total > 1 AND total < 9 with the values of SELECT id FROM orders read from s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            """)
    void theSubqueryRunsFirstWhenItReadsOtherShards(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET total = 0 WHERE id NOT IN (SELECT id FROM orders WHERE total > 5)
            UPDATE orders SET total = 0 WHERE id IN (SELECT * FROM orders)
            UPDATE orders SET total = (SELECT max(total) FROM orders) WHERE id IN (SELECT id FROM orders WHERE total > 5)
            UPDATE orders SET total = 0 WHERE id IN (SELECT id FROM orders) OR status = 'x'
            UPDATE orders SET total = 0 WHERE id IN (SELECT id FROM orders) AND status = 'x' OR total = 1
            """)
    void whatWouldNotBeExactlyTheStatementStaysRefused(String sql) {
        assertEquals(true, fixture.answer(sql).startsWith("refused 0A000"), fixture.answer(sql));
    }

    /**
     * A subquery in SET, in RETURNING, among an INSERT's values or in its ON CONFLICT reads as much as
     * one in WHERE: run on each shard it would read that shard's rows only (these ran on every shard,
     * each with its own max, before).
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET total = (SELECT max(total) FROM orders) WHERE status = 'x'                                 | refused 0A000
            UPDATE orders SET total = (SELECT max(total) FROM orders) WHERE customer_id = 4                              | refused 0A000
            UPDATE orders SET total = 1 WHERE status = 'x' RETURNING (SELECT count(*) FROM orders)                       | refused 0A000
            DELETE FROM orders WHERE customer_id = 4 RETURNING id, (SELECT max(total) FROM orders)                       | refused 0A000
            INSERT INTO orders (id, customer_id, total) VALUES (1, 4, (SELECT max(total) FROM orders))                   | refused 0A000 INSERT into orders with a subquery that reads sharded tables
            INSERT INTO orders (id, customer_id, total) VALUES (1, 4, 2) RETURNING (SELECT max(total) FROM orders)       | refused 0A000 INSERT into orders with a subquery that reads sharded tables
            INSERT INTO orders (id, customer_id) VALUES (1, 4) ON CONFLICT (customer_id, id) DO UPDATE SET total = (SELECT max(total) FROM orders) | refused 0A000 INSERT into orders with a subquery
            INSERT INTO currencies (code, rate) VALUES ('x', (SELECT max(total) FROM orders))                           | refused 0A000 INSERT into currencies with a subquery
            UPDATE orders SET total = (SELECT max(total) FROM orders o2 WHERE o2.customer_id = orders.customer_id) WHERE status = 'x' | run s0 s1 s2 combine write
            UPDATE orders SET total = (SELECT rate FROM currencies WHERE code = 'x') WHERE status = 'x'                   | run s0 s1 s2 combine write
            INSERT INTO orders (id, customer_id, total) VALUES (1, 4, (SELECT rate FROM currencies WHERE code = 'x'))    | run s1 one write
            """)
    void subqueriesOutsideWhereReadToo(String sql, String start) {
        String answer = fixture.answer(sql);
        assertEquals(start, answer.substring(0, Math.min(start.length(), answer.length())), answer);
    }

    @ParameterizedTest(name = "extended: {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET total = $1 WHERE id IN (SELECT id FROM orders WHERE total > $2)              | write UPDATE orders SET total = $1 WHERE id = ANY(...) with the values of SELECT id FROM orders WHERE total > $2 read from s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            DELETE FROM orders WHERE id IN (SELECT id FROM orders WHERE customer_id = $1) AND total > $2   | write DELETE FROM orders WHERE id = ANY(...) AND total > $2 with the values of SELECT id FROM orders WHERE customer_id = $1 read from s1 one read (shard key of orders)
            UPDATE orders SET total = 0 WHERE id IN (SELECT max(id) - $1 FROM orders)                      | write UPDATE orders SET total = 0 WHERE id = ANY(...) with the values of SELECT max(id) - $1 FROM orders read by the coordinate on s0 pulling orders
            """)
    void theExtendedProtocolRoutesTheSameWayWithTheBindsValues(String sql, String command) {
        KeySource.Placeholders values = n -> KeySource.text("4");
        assertEquals(command, RouterFixture.describe(fixture.router.route(SqlLexer.statement(sql), values,
                new RouteContext(Set.of(), false, true))));
    }
}
