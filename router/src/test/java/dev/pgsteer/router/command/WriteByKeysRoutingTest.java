package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * UPDATE and DELETE of a sharded table with {@code column IN (SELECT ...)}: co-located, they run
 * shard by shard as before; when the subquery reads other shards, pgsteer runs it first (a read it
 * answers by concatenation) and the write after, with its values as constants, on every shard.
 * What that would not make exactly the statement stays refused (also {@code x IN (SELECT ...) AND y},
 * which JSQLParser 5.3 reads as {@code x IN ((SELECT ...) AND y)}: no subquery is found, so it is refused).
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
            """)
    void theSubqueryRunsFirstWhenItReadsOtherShards(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET total = 0 WHERE id NOT IN (SELECT id FROM orders WHERE total > 5)
            UPDATE orders SET total = 0 WHERE id IN (SELECT max(id) FROM orders)
            UPDATE orders SET total = 0 WHERE id IN (SELECT * FROM orders)
            UPDATE orders SET total = (SELECT max(total) FROM orders) WHERE id IN (SELECT id FROM orders WHERE total > 5)
            UPDATE orders SET total = 0 WHERE id IN (SELECT id FROM orders) OR status = 'x'
            UPDATE orders SET total = 0 WHERE id IN (SELECT id FROM orders) AND status = 'x'
            """)
    void whatWouldNotBeExactlyTheStatementStaysRefused(String sql) {
        assertEquals(true, fixture.answer(sql).startsWith("refused 0A000"), fixture.answer(sql));
    }

    @ParameterizedTest(name = "extended: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET total = 0 WHERE id IN (SELECT id FROM orders WHERE total > 5)
            """)
    void theExtendedProtocolIsRefusedForNow(String sql) {
        String answer = fixture.answer(sql, new RouteContext(Set.of(), false, true));
        assertEquals(true, answer.startsWith("refused 0A000") && answer.endsWith("in the simple query protocol only, for now)"), answer);
    }
}
