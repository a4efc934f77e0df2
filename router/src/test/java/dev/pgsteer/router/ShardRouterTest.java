package dev.pgsteer.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.KeyPlacer;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The router's decisions as a table: statement → shards. The key placer here is a stand-in that
 * puts integer key k on shard k mod 3 and text keys by their first letter, so that the expected
 * shards can be read off the SQL; PostgreSQL's real hash is tested on its own.
 */
class ShardRouterTest {

    static final DatabaseConfig SHOP = shop();

    static DatabaseConfig shop() {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        tables.put("orders", new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(), null));
        tables.put("order_items", new TableConfig.Sharded("order_items", "customer_id", new ShardFunction.Hash(), null));
        tables.put("customers", new TableConfig.Sharded("customers", "id", new ShardFunction.Hash(), null));
        tables.put("regions", new TableConfig.Sharded("regions", "region",
                new ShardFunction.ListOf(Map.of("eu", "s0", "us", "s1", "apac", "s2")), null));
        tables.put("currencies", new TableConfig.Reference("currencies"));
        return new DatabaseConfig("shop", List.of("s0", "s1", "s2"), "s0", tables, null, PoolConfig.defaults());
    }

    static final KeyPlacer PLACER = (table, value) -> {
        String text = value.isBinary() ? new String(value.binary(), StandardCharsets.UTF_8) : value.text();
        if (table.function() instanceof ShardFunction.ListOf list) {
            String shard = list.shardOfValue().get(text);
            if (shard == null) {
                throw new RoutingException("22023", "no shard of table " + table.name() + " holds " + text);
            }
            return SHOP.shards().indexOf(shard);
        }
        return (int) Math.floorMod(Long.parseLong(text.trim()), 3L);
    };

    final ShardRouter router = new ShardRouter(SHOP, PLACER, 100);

    Route route(String sql, String... bind) throws RoutingException {
        LexedStatement statement = SqlLexer.statement(sql);
        return router.resolve(router.analysis(statement), statement, n -> KeySource.text(bind[n - 1]), Set.of());
    }

    String shards(String sql, String... bind) throws RoutingException {
        return String.join(" ", route(sql, bind).shards());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT * FROM orders WHERE customer_id = 4                                   | s1
            SELECT * FROM orders WHERE customer_id = 4 AND status = 'new'                | s1
            SELECT * FROM orders o WHERE o.customer_id = 5                               | s2
            SELECT * FROM orders WHERE customer_id IN (3, 4)                             | s0 s1
            SELECT * FROM orders WHERE customer_id = 3 OR customer_id = 5                | s0 s2
            SELECT * FROM orders WHERE customer_id = 3 AND customer_id = 6               | s0
            SELECT * FROM orders WHERE customer_id = ANY('{1,2}')                        | s1 s2
            SELECT * FROM orders WHERE customer_id = ANY(ARRAY[1, 4])                    | s1
            SELECT * FROM orders WHERE status = 'new'                                    | s0 s1 s2
            SELECT * FROM orders WHERE customer_id = 3 OR status = 'x'                   | s0 s1 s2
            SELECT * FROM orders WHERE customer_id = -1                                  | s2
            SELECT * FROM orders WHERE customer_id = ('4'::int8)                         | s1
            SELECT * FROM orders WHERE customer_id IN (('3'::int8), ('4'::int8))         | s0 s1
            SELECT * FROM orders WHERE customer_id = NULL                                | s0
            SELECT * FROM regions WHERE region = 'us'                                    | s1
            SELECT * FROM currencies                                                     | s0
            SELECT * FROM settings                                                       | s0
            SELECT 1                                                                     | s0
            SELECT * FROM pg_catalog.pg_class                                            | s0
            SELECT o.id, i.sku FROM orders o JOIN order_items i ON i.customer_id = o.customer_id WHERE o.customer_id = 7 | s1
            SELECT * FROM orders o JOIN order_items i USING (customer_id) WHERE i.customer_id = 8 | s2
            SELECT * FROM orders o, order_items i WHERE o.customer_id = i.customer_id                      | s0 s1 s2
            SELECT * FROM orders o JOIN currencies c ON c.code = o.currency WHERE o.customer_id = 2         | s2
            SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.id = 1                  | s1
            WITH mine AS (SELECT * FROM orders WHERE customer_id = 4) SELECT * FROM mine                    | s1
            SELECT * FROM orders WHERE customer_id = 4 AND id IN (SELECT order_id FROM order_items WHERE customer_id = 4) | s1
            SELECT * FROM settings s JOIN orders o ON o.customer_id = s.v WHERE o.customer_id = 3           | s0
            SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.customer_id = o.customer_id) | s0 s1 s2
            SELECT * FROM orders WHERE total > (SELECT avg(total) FROM orders WHERE customer_id = 4) AND customer_id = 4 | s1
            DROP INDEX orders_status_idx                                                 | s0 s1 s2
            UPDATE orders SET status = 'paid' WHERE customer_id = 5                      | s2
            UPDATE orders SET status = 'paid'                                             | s0 s1 s2
            DELETE FROM orders WHERE customer_id IN (1, 2)                               | s1 s2
            DELETE FROM orders                                                           | s0 s1 s2
            INSERT INTO orders (id, customer_id) VALUES (1, 4)                           | s1
            INSERT INTO orders (id, customer_id) VALUES (1, 4), (2, 7) RETURNING id      | s1
            INSERT INTO orders (id, customer_id) VALUES (1, 4), (2, 5)                   | s1 s2
            INSERT INTO orders (id, customer_id) VALUES (('1'::int8), ('4'::int8))       | s1
            INSERT INTO orders (id, customer_id) VALUES (1, 4) ON CONFLICT (id) DO UPDATE SET status = excluded.status | s1
            INSERT INTO currencies (code) VALUES ('EUR')                                  | s0 s1 s2
            UPDATE currencies SET rate = 2                                                | s0 s1 s2
            INSERT INTO settings (k) VALUES ('x')                                        | s0
            CREATE TABLE orders (id bigint, customer_id bigint)                          | s0 s1 s2
            CREATE INDEX ON orders (status)                                              | s0 s1 s2
            DROP TABLE currencies                                                        | s0 s1 s2
            CREATE TABLE settings (k text)                                               | s0
            TRUNCATE orders                                                              | s0 s1 s2
            /* shard=s2 */ SELECT * FROM orders                                          | s2
            /* key=5 */ SELECT * FROM orders WHERE status = 'x'                          | s2
            """)
    void routes(String sql, String expected) throws RoutingException {
        assertEquals(expected, shards(sql));
    }

    @Test
    void parametersComeFromBind() throws RoutingException {
        assertEquals("s1", shards("SELECT * FROM orders WHERE customer_id = $1", "4"));
        assertEquals("s0 s2", shards("SELECT * FROM orders WHERE customer_id = $1 OR customer_id = $2", "3", "5"));
        assertEquals("s2", shards("INSERT INTO orders (id, customer_id) VALUES ($1, $2)", "1", "5"));
        assertEquals("s1 s2", shards("SELECT * FROM orders WHERE customer_id = ANY($1)", "{1,2}"));
    }

    @Test
    void aMultiShardSelectCombinesRowsAndAMultiShardWriteSumsCounts() throws RoutingException {
        assertEquals(Answer.COMBINE, route("SELECT * FROM orders").answer());
        assertEquals(Answer.COMBINE, route("DELETE FROM orders").answer());
        assertEquals(Answer.MIRROR, route("INSERT INTO currencies (code) VALUES ('EUR')").answer());
        assertEquals(Answer.ONE, route("SELECT * FROM orders WHERE customer_id = 1").answer());
    }

    @Test
    void aMultiRowInsertIsSplitWithItsLiteralsAsWritten() throws RoutingException {
        Route route = route("INSERT INTO orders (id, customer_id, note) VALUES (1, 4, 'it''s'), (2, 5, E'x'), (3, 7, 'z')");

        assertEquals(Map.of("s1", "INSERT INTO orders (id, customer_id, note) VALUES (1, 4, 'it''s'), (3, 7, 'z')",
                "s2", "INSERT INTO orders (id, customer_id, note) VALUES (2, 5, E'x')"), route.textByShard());
    }

    @Test
    void aMultiRowInsertWithParametersIsSplitWithThemRenumberedPerShard() throws RoutingException {
        Route route = route("INSERT INTO orders (id, customer_id, note) VALUES ($1, $2, 'a'), ($3, $4, $5), ($6, $7, 'c') RETURNING id",
                "1", "4", "2", "5", "b", "3", "7");

        assertEquals(Map.of("s1", "INSERT INTO orders (id, customer_id, note) VALUES ($1, $2, 'a'), ($3, $4, 'c') RETURNING id",
                "s2", "INSERT INTO orders (id, customer_id, note) VALUES ($1, $2, $3) RETURNING id"), route.textByShard());
        assertEquals(List.of(1, 2, 6, 7), java.util.Arrays.stream(route.parametersByShard().get("s1")).boxed().toList());
        assertEquals(List.of(3, 4, 5), java.util.Arrays.stream(route.parametersByShard().get("s2")).boxed().toList());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            UPDATE orders SET customer_id = 3 WHERE customer_id = 1                                 | 0A000 | shard key
            INSERT INTO orders (id) VALUES (1)                                                      | 42P10 | customer_id
            INSERT INTO orders VALUES (1, 2)                                                        | 42P10 | must list its columns
            INSERT INTO orders (id, customer_id) SELECT 1, 2                                        | 0A000 | INSERT ... SELECT
            SELECT * FROM orders o JOIN customers c ON c.name = o.name                              | 0A000 | not joined on their shard keys
            SELECT id FROM orders WHERE total > (SELECT avg(total) FROM orders)                     | 0A000 | not joined on their shard keys
            SELECT id, rank() OVER (ORDER BY total) FROM orders                                     | 0A000 | window function
            SELECT count(DISTINCT status) FROM orders                                               | 0A000 | count(DISTINCT
            SELECT * FROM settings s JOIN orders o ON o.customer_id = s.v                           | 0A000 | unsharded table settings
            SELECT * FROM regions WHERE region = 'mars'                                             | 22023 | regions
            /* shard=s9 */ SELECT 1                                                                 | 22023 | s9
            """)
    void refuses(String sql, String sqlState, String mentions) {
        RoutingException e = assertThrows(RoutingException.class, () -> route(sql));
        assertEquals(sqlState, e.sqlState(), e.getMessage());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }

    @Test
    void theAnalysisIsCachedPerShape() {
        LexedStatement one = SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 1");
        router.analysis(one);

        assertTrue(router.cached(SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 99")) != null);
    }

    @Test
    void cacheLookupsAreCountedAsHitsAndMisses() {
        ShardRouter fresh = ShardRouter.of(router.database(), 100);
        LexedStatement statement = SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 7");
        assertEquals(null, fresh.cached(statement));
        fresh.analysis(statement);
        assertTrue(fresh.cached(SqlLexer.statement("SELECT * FROM orders WHERE customer_id = 8")) != null);

        assertEquals(1, fresh.planCacheHits());
        assertEquals(1, fresh.planCacheMisses());
        assertEquals(1, fresh.planCacheSize());
    }
}
