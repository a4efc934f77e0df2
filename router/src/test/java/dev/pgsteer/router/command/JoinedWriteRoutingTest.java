package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * UPDATE ... FROM and DELETE ... USING of a sharded table: co-located (joined on the key, or with
 * reference tables only) they run shard by shard as before; when the other tables' rows are on
 * other shards, pgsteer computes the write on a coordinator (the coordinator step of a SELECT over
 * the same tables and conditions pulls them) and writes each row on its shard. What that would not
 * make exactly the statement stays refused with the reason.
 */
class JoinedWriteRoutingTest {
    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders o SET total = 0 FROM orders o2 WHERE o.customer_id = o2.customer_id AND o2.status = 'x'      | run s0 s1 s2 combine write (no usable condition on the shard key of orders: every shard)
            UPDATE orders SET total = 0 FROM currencies c WHERE orders.status = c.code                                 | run s0 s1 s2 combine write (no usable condition on the shard key of orders: every shard)
            UPDATE orders SET total = 0 FROM notes n WHERE orders.customer_id = 3 AND n.id = orders.id                 | run s0 one write (shard key of orders)
            DELETE FROM orders o USING orders o2 WHERE o.customer_id = o2.customer_id AND o2.customer_id = 4           | run s1 one write (shard key of orders)
            """)
    void coLocatedWritesRunShardByShardAsBefore(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders o SET total = o2.total + 1 FROM orders o2 WHERE o.id = o2.id + 1 AND o2.status = 'x'                      | update orders o as o setting [total] computed by UPDATE orders o SET pgsteer_written = true, total = o2.total + 1 FROM orders o2 WHERE o.id = o2.id + 1 AND o2.status = 'x' returning [] names [] after the coordinate on s0 pulling orders
            UPDATE orders SET total = n.total, status = 'y' FROM notes n WHERE n.id = orders.id                                     | update orders as orders setting [total, status] computed by UPDATE orders SET pgsteer_written = true, total = n.total, status = 'y' FROM notes n WHERE n.id = orders.id returning [] names [] after the coordinate on s0 pulling orders
            UPDATE orders AS o SET (total, status) = (n.total, 'z') FROM notes n, currencies c WHERE n.id = o.id RETURNING o.id, total | update orders AS o as o setting [total, status] computed by UPDATE orders AS o SET pgsteer_written = true, (total, status) = (n.total, 'z') FROM notes n, currencies c WHERE n.id = o.id returning [ RETURNING o.id, total] names [total] after the coordinate on s0 pulling orders
            DELETE FROM orders o USING orders o2 WHERE o.id = o2.id AND o2.status = 'gone' RETURNING o.*                            | delete from orders o as o computed by UPDATE orders o SET pgsteer_written = true FROM orders o2 WHERE o.id = o2.id AND o2.status = 'gone' returning [ RETURNING o.*] names [] after the coordinate on s0 pulling orders
            DELETE FROM orders USING notes WHERE notes.id = orders.id                                                               | delete from orders as orders computed by UPDATE orders SET pgsteer_written = true FROM notes WHERE notes.id = orders.id returning [] names [] after the coordinate on s0 pulling orders
            UPDATE orders o SET total = 0 FROM orders o2 JOIN notes n ON n.id = o2.id WHERE o.id = o2.id                            | update orders o as o setting [total] computed by UPDATE orders o SET pgsteer_written = true, total = 0 FROM orders o2 JOIN notes n ON n.id = o2.id WHERE o.id = o2.id returning [] names [] after the coordinate on s0 pulling orders
            UPDATE public.orders o SET total = 1 FROM orders o2 WHERE o.id = o2.id                                                   | update public.orders o as o setting [total] computed by UPDATE public.orders o SET pgsteer_written = true, total = 1 FROM orders o2 WHERE o.id = o2.id returning [] names [] after the coordinate on s0 pulling orders
            """)
    void writesOverOtherShardsAreComputedOnACoordinator(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    /**
     * A subquery in SET or RETURNING reads where the statement runs, as one in WHERE does: over other
     * shards it was run on each shard against that shard's rows alone (a wrong answer); now it is
     * refused, or, with FROM, computed on a coordinator. Co-located (correlated on the key) it runs as before.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET total = (SELECT max(total) FROM orders) WHERE customer_id = 4                                        | refused 0A000
            UPDATE orders SET total = 1 WHERE customer_id = 4 RETURNING (SELECT count(*) FROM orders)                               | refused 0A000
            DELETE FROM orders WHERE customer_id = 4 RETURNING (SELECT count(*) FROM orders)                                        | refused 0A000
            UPDATE orders o SET total = (SELECT max(o2.total) FROM orders o2 WHERE o2.customer_id = o.customer_id) WHERE o.customer_id = 4 | run s1 one write
            UPDATE orders o SET total = (SELECT max(o2.total) FROM orders o2) FROM currencies c WHERE o.customer_id = 4              | update orders o as o setting [total]
            """)
    void subqueriesOfSetAndReturningReadWhereTheWriteRuns(String sql, String start) {
        String answer = fixture.answer(sql);
        assertTrue(answer.startsWith(start), answer);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders o SET total = o2.total FROM orders o2 WHERE o.id = o2.id RETURNING o2.total                 | its RETURNING reads o2.total
            UPDATE orders o SET total = o2.total FROM orders o2 WHERE o.id = o2.id RETURNING *                        | its RETURNING * reads
            UPDATE orders o SET total = o2.total FROM orders o2 WHERE o.id = o2.id RETURNING o2.*                      | its RETURNING reads o2.*
            UPDATE orders o SET total = 1 FROM orders o2 WHERE o.id = o2.id RETURNING (SELECT max(id) FROM notes)      | its RETURNING reads tables in a subquery
            UPDATE orders o SET total = DEFAULT FROM orders o2 WHERE o.id = o2.id                                     | DEFAULT
            DELETE FROM ONLY orders o USING orders o2 WHERE o.id = o2.id                                             | cannot parse
            WITH x AS (SELECT 1) UPDATE orders o SET total = 1 FROM orders o2 WHERE o.id = o2.id                      | WITH
            UPDATE orders o SET customer_id = 1 FROM orders o2 WHERE o.id = o2.id                                     | sets its shard key
            """)
    void whatWouldNotBeExactlyTheStatementStaysRefused(String sql, String why) {
        String answer = fixture.answer(sql);
        assertTrue(answer.startsWith("refused 0A000") && answer.contains(why), answer);
    }

    @ParameterizedTest(name = "extended: {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders o SET total = $2 FROM orders o2 WHERE o.id = o2.id AND o2.status = $1 RETURNING o.id + $3, $2                 | update orders o as o setting [total] computed by UPDATE orders o SET pgsteer_written = true, total = $1 FROM orders o2 WHERE o.id = o2.id AND o2.status = $2 with the client's [2, 1] returning [ RETURNING o.id + $1, $2 with the client's [3, 2]] names [] after the coordinate on s0 pulling orders
            DELETE FROM orders o USING orders o2 WHERE o.id = o2.id AND o2.status = $1                                                | delete from orders o as o computed by UPDATE orders o SET pgsteer_written = true FROM orders o2 WHERE o.id = o2.id AND o2.status = $1 with the client's [1] returning [] names [] after the coordinate on s0 pulling orders
            """)
    void theExtendedProtocolBindsTheClientsParametersInEachText(String sql, String command) {
        assertEquals(command, fixture.answer(sql, new RouteContext(Set.of(), false, true)));
    }

    @ParameterizedTest(name = "extended: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders o SET total = 0 FROM orders o2 WHERE o.id = o2.id
            """)
    void theExtendedProtocolWithoutParametersIsWritten(String sql) {
        String answer = fixture.answer(sql, new RouteContext(Set.of(), false, true));
        assertTrue(answer.startsWith("update orders o as o setting [total]"), answer);
    }
}
