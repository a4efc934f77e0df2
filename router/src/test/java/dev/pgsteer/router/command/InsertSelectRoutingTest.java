package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * INSERT ... SELECT into a sharded table: the SELECT is routed as a read (its literals as written),
 * and pgsteer writes its rows into the table's shards itself. A SELECT whose rows pgsteer would have
 * to merge or coordinate is read by the coordinator step; the extended protocol routes the same way,
 * with the Bind's values (a parameter on the shard key narrows the read). RETURNING, ON CONFLICT and
 * a WITH before INSERT are refused.
 */
class InsertSelectRoutingTest {
    static final TableColumns ORDERS = table -> table.equals("orders") ? List.of("id", "customer_id", "status", "total") : null;

    final RouterFixture fixture = new RouterFixture();

    String answer(String sql, boolean extended) {
        return answer(sql, extended, KeySource.Placeholders.NONE);
    }

    String answer(String sql, boolean extended, KeySource.Placeholders values) {
        return RouterFixture.describe(fixture.router.route(SqlLexer.statement(sql), values,
                new RouteContext(Set.of(), false, extended, ORDERS)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            INSERT INTO orders (id, customer_id) SELECT id, customer_id + 1 FROM orders                 | insert into orders [id, customer_id] the rows of SELECT id, customer_id + 1 FROM orders read from s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            INSERT INTO orders (id, customer_id) SELECT id, 7 FROM orders WHERE customer_id = 4          | insert into orders [id, customer_id] the rows of SELECT id, 7 FROM orders WHERE customer_id = 4 read from s1 one read (shard key of orders)
            INSERT INTO orders (id, customer_id, status) SELECT 1, 2, code FROM currencies WHERE code = 'EUR' | insert into orders [id, customer_id, status] the rows of SELECT 1, 2, code FROM currencies WHERE code = 'EUR' read from s0 one read (reference table currencies)
            INSERT INTO orders (id, customer_id) SELECT a, b FROM notes                                  | insert into orders [id, customer_id] the rows of SELECT a, b FROM notes read from s0 one read (unsharded table notes)
            /* shard=s2 */ INSERT INTO orders (id, customer_id) SELECT id, 5 FROM orders                | run s2 one write (routing comment shard=s2)
            INSERT INTO orders SELECT id, customer_id FROM orders WHERE status = 'x'                    | insert into orders [id, customer_id] the rows of SELECT id, customer_id FROM orders WHERE status = 'x' read from s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            INSERT INTO orders (id, customer_id) SELECT max(id), 1 FROM orders                           | insert into orders [id, customer_id] the rows of SELECT max(id), 1 FROM orders read by the coordinate on s0 pulling orders
            INSERT INTO orders (id, customer_id) SELECT count(DISTINCT status), customer_id FROM orders GROUP BY customer_id | insert into orders [id, customer_id] the rows of SELECT count(DISTINCT status), customer_id FROM orders GROUP BY customer_id read by the coordinate on s0 pulling orders
            INSERT INTO orders (id, customer_id) SELECT count(DISTINCT status), 1 FROM orders            | insert into orders [id, customer_id] the rows of SELECT count(DISTINCT status), 1 FROM orders read by the coordinate on s0 pulling orders
            INSERT INTO orders (id, customer_id) SELECT count(DISTINCT status), 1 FROM public.orders     | insert into orders [id, customer_id] the rows of SELECT count(DISTINCT status), 1 FROM public.orders read by the coordinate on s0 pulling orders
            INSERT INTO orders (id, customer_id) SELECT id, customer_id FROM orders ORDER BY id LIMIT 3  | insert into orders [id, customer_id] the rows of SELECT id, customer_id FROM orders ORDER BY id LIMIT 3 read by the coordinate on s0 pulling orders
            INSERT INTO orders (id, customer_id) SELECT o.id, p.customer_id FROM orders o JOIN orders p ON p.id = o.id | insert into orders [id, customer_id] the rows of SELECT o.id, p.customer_id FROM orders o JOIN orders p ON p.id = o.id read by the coordinate on s0 pulling orders
            """)
    void theSelectIsRoutedAsARead(String sql, String command) {
        assertEquals(command, answer(sql, false));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            INSERT INTO orders (id, customer_id) SELECT id, customer_id FROM orders RETURNING id          | refused 0A000 INSERT ... SELECT into sharded table orders with RETURNING is not supported
            INSERT INTO orders (id, customer_id) SELECT 1, 2 ON CONFLICT DO NOTHING                      | refused 0A000 INSERT ... SELECT into sharded table orders with ON CONFLICT is not supported
            WITH s AS (SELECT 1 AS a) INSERT INTO orders (id, customer_id) SELECT a, a FROM s            | refused 0A000 INSERT ... SELECT into sharded table orders after a WITH clause is not supported
            EXPLAIN INSERT INTO orders (id, customer_id) SELECT id, customer_id FROM orders              | refused 0A000 EXPLAIN of INSERT ... SELECT into sharded table orders is not supported
            EXPLAIN ROUTE INSERT INTO orders SELECT id, customer_id FROM orders                          | refused 0A000 EXPLAIN of INSERT ... SELECT into sharded table orders is not supported
            INSERT INTO orders (id) SELECT id FROM orders                                                | refused 42P10 INSERT into sharded table orders does not give its shard key customer_id
            """)
    void whatCannotBeWrittenExactlyYetIsRefused(String sql, String start) {
        String answer = answer(sql, false);
        assertEquals(start, answer.substring(0, Math.min(start.length(), answer.length())), answer);
    }

    @ParameterizedTest(name = "extended: {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            INSERT INTO orders (id, customer_id) SELECT id, customer_id FROM orders WHERE total > $1        | insert into orders [id, customer_id] the rows of SELECT id, customer_id FROM orders WHERE total > $1 read from s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)
            INSERT INTO orders (id, customer_id) SELECT id, $2 FROM orders WHERE customer_id = $1          | insert into orders [id, customer_id] the rows of SELECT id, $2 FROM orders WHERE customer_id = $1 read from s1 one read (shard key of orders)
            INSERT INTO orders (id, customer_id) SELECT count(DISTINCT status) + $1, 1 FROM orders          | insert into orders [id, customer_id] the rows of SELECT count(DISTINCT status) + $1, 1 FROM orders read by the coordinate on s0 pulling orders
            """)
    void theExtendedProtocolRoutesTheSameWayWithTheBindsValues(String sql, String command) {
        KeySource.Placeholders values = n -> KeySource.text(n == 1 ? "4" : "9");
        assertEquals(command, answer(sql, true, values));
    }
}
