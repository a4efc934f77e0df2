package dev.pgsteer.router;

import static dev.pgsteer.router.RoutingFixture.assertRoute;
import static dev.pgsteer.router.RoutingFixture.shards;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SELECTs as a table: the statement, then the whole answer: the shards (see {@link RoutingFixture}:
 * integer key k is on shard k mod 3), how their answers combine, what kind of statement it is,
 * whether the rows are merged, and the reason EXPLAIN ROUTE gives. How rows are merged is
 * {@code SelectMergeTest}'s table.
 */
class SelectRoutingTest {
    final ShardRouter router = RoutingFixture.router();

    Route route(String sql, String... bind) throws RoutingException {
        return RoutingFixture.route(router, sql, bind);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT * FROM orders WHERE customer_id = 4                                   | s1       | ONE     | - | shard key of orders
            SELECT * FROM orders WHERE customer_id = 1                                   | s1       | ONE     | - | shard key of orders
            SELECT * FROM orders WHERE customer_id = 4 AND status = 'new'                | s1       | ONE     | - | shard key of orders
            SELECT * FROM orders o WHERE o.customer_id = 5                               | s2       | ONE     | - | shard key of orders
            SELECT * FROM orders WHERE customer_id IN (3, 4)                             | s0 s1    | COMBINE | - | shard key of orders
            SELECT * FROM orders WHERE customer_id = 3 OR customer_id = 5                | s0 s2    | COMBINE | - | shard key of orders
            SELECT * FROM orders WHERE status IN ('a', 'b') AND customer_id = 4          | s1       | ONE     | - | shard key of orders
            SELECT * FROM orders WHERE customer_id IN (3, 4) AND status = 'a'            | s0 s1    | COMBINE | - | shard key of orders
            SELECT * FROM orders WHERE status IN (SELECT 'a') AND customer_id = 4        | s1       | ONE     | - | shard key of orders
            SELECT * FROM orders WHERE status NOT IN ('a') AND customer_id = 4 OR customer_id = 5 | s1 s2 | COMBINE | - | shard key of orders
            SELECT * FROM orders WHERE customer_id IN (4) AND status = 'a' OR customer_id = 5 | s1 s2 | COMBINE | - | shard key of orders
            SELECT * FROM orders WHERE customer_id = 3 AND customer_id = 6               | s0       | ONE     | - | shard key of orders
            SELECT * FROM orders WHERE customer_id = ANY('{1,2}')                        | s1 s2    | COMBINE | - | shard key of orders
            SELECT * FROM orders WHERE customer_id = ANY(ARRAY[1, 4])                    | s1       | ONE     | - | shard key of orders
            SELECT * FROM orders                                                         | s0 s1 s2 | COMBINE | - | no usable condition on the shard key of orders: every shard
            SELECT * FROM orders WHERE status = 'new'                                    | s0 s1 s2 | COMBINE | - | no usable condition on the shard key of orders: every shard
            SELECT * FROM orders WHERE customer_id = 3 OR status = 'x'                   | s0 s1 s2 | COMBINE | - | no usable condition on the shard key of orders: every shard
            SELECT * FROM orders WHERE customer_id = -1                                  | s2       | ONE     | - | shard key of orders
            SELECT * FROM orders WHERE customer_id = ('4'::int8)                         | s1       | ONE     | - | shard key of orders
            SELECT * FROM orders WHERE customer_id IN (('3'::int8), ('4'::int8))         | s0 s1    | COMBINE | - | shard key of orders
            SELECT * FROM orders WHERE customer_id = NULL                                | s0       | ONE     | - | the key conditions on orders match no shard
            SELECT * FROM regions WHERE region = 'us'                                    | s1       | ONE     | - | shard key of regions
            SELECT * FROM currencies                                                     | s0       | ONE     | - | reference table currencies
            SELECT * FROM settings                                                       | s0       | ONE     | - | unsharded table settings
            SELECT 1                                                                     | s0       | ONE     | - | no sharded table
            SELECT * FROM pg_catalog.pg_class                                            | s0       | ONE     | - | no sharded table
            SELECT o.id, i.sku FROM orders o JOIN order_items i ON i.customer_id = o.customer_id WHERE o.customer_id = 7 | s1 | ONE | - | shard key of orders, order_items
            SELECT * FROM orders o JOIN order_items i USING (customer_id) WHERE i.customer_id = 8 | s2 | ONE | - | shard key of orders, order_items
            SELECT * FROM orders o, order_items i WHERE o.customer_id = i.customer_id                      | s0 s1 s2 | COMBINE | - | no usable condition on the shard key of orders, order_items: every shard
            SELECT * FROM orders o JOIN currencies c ON c.code = o.currency WHERE o.customer_id = 2         | s2 | ONE | - | shard key of orders
            SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.id = 1                  | s1 | ONE | - | shard key of orders, customers
            WITH mine AS (SELECT * FROM orders WHERE customer_id = 4) SELECT * FROM mine                    | s1 | ONE | - | shard key of orders
            SELECT * FROM orders WHERE customer_id = 4 AND id IN (SELECT order_id FROM order_items WHERE customer_id = 4) | s1 | ONE | - | shard key of orders
            SELECT * FROM settings s JOIN orders o ON o.customer_id = s.v WHERE o.customer_id = 3           | s0 | ONE | - | shard key of orders
            SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.customer_id = o.customer_id) | s0 s1 s2 | COMBINE | - | no usable condition on the shard key of orders, order_items: every shard
            SELECT * FROM orders WHERE total > (SELECT avg(total) FROM orders WHERE customer_id = 4) AND customer_id = 4 | s1 | ONE | - | shard key of orders
            SELECT id FROM orders ORDER BY id                                            | s0 s1 s2 | COMBINE | merged | no usable condition on the shard key of orders: every shard, rows merged
            SELECT status, count(*) FROM orders WHERE customer_id IN (1, 2) GROUP BY status | s1 s2 | COMBINE | merged | shard key of orders, rows merged
            SELECT status, count(*) FROM orders WHERE customer_id = 4 GROUP BY status    | s1       | ONE     | - | shard key of orders
            """)
    void routes(String sql, String shards, Answer answer, String merge, String why) throws RoutingException {
        assertRoute(route(sql), shards, answer, StatementKind.READ, merge, why);
    }

    @Test
    void parametersComeFromBind() throws RoutingException {
        assertEquals("s1", shards(route("SELECT * FROM orders WHERE customer_id = $1", "4")));
        assertEquals("s0 s2", shards(route("SELECT * FROM orders WHERE customer_id = $1 OR customer_id = $2", "3", "5")));
        assertEquals("s1 s2", shards(route("SELECT * FROM orders WHERE customer_id = ANY($1)", "{1,2}")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT * FROM orders o JOIN customers c ON c.name = o.name                              | 0A000 | not joined on their shard keys
            SELECT id FROM orders WHERE total > (SELECT avg(total) FROM orders)                     | 0A000 | not joined on their shard keys
            SELECT id, rank() OVER (ORDER BY total) FROM orders                                     | 0A000 | window function
            SELECT count(DISTINCT status) FROM orders                                               | 0A000 | count(DISTINCT
            SELECT * FROM settings s JOIN orders o ON o.customer_id = s.v                           | 0A000 | unsharded table settings
            SELECT * FROM regions WHERE region = 'mars'                                             | 22023 | regions
            """)
    void refuses(String sql, String sqlState, String mentions) {
        RoutingException e = assertThrows(RoutingException.class, () -> route(sql));
        assertEquals(sqlState, e.sqlState(), e.getMessage());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }

    @Test
    void aScanReachesOnlyTheShardsThatHoldItsBuckets() throws RoutingException {
        // s3 added (ADD SHARD) and given no bucket yet: it holds no row of orders, and a scan need not ask it.
        BucketMap map = BucketMap.even(6, List.of("s0", "s1", "s2"));
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        tables.put("orders", new TableConfig.Sharded("orders", "customer_id",
                new ShardFunction.Hash(map), null));
        tables.put("order_items", new TableConfig.Sharded("order_items", "customer_id",
                new ShardFunction.Hash(map), null));
        ShardRouter grown = new ShardRouter(new DatabaseConfig("shop", List.of("s0", "s1", "s2", "s3"),
                "s0", tables, null, PoolConfig.defaults()), RoutingFixture.PLACER, 100);
        Route scan = RoutingFixture.route(grown, "SELECT count(*) FROM orders o JOIN order_items i USING (customer_id)");
        assertEquals("s0 s1 s2", shards(scan));
        assertEquals("no usable condition on the shard key of orders, order_items: every shard that holds its rows (s0, s1, s2), rows merged",
                scan.why());
        assertEquals("s0 s1 s2", shards(RoutingFixture.route(grown, "UPDATE orders SET status = 'x'")));
        // DDL still reaches every shard: the new one must have the tables.
        assertEquals("s0 s1 s2 s3", shards(RoutingFixture.route(grown, "ALTER TABLE orders ADD COLUMN note text")));
    }
}
