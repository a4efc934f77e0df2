package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An INSERT without a column list into a sharded table: PostgreSQL fills the table's columns in
 * order, so the router first asks for them (the proxy reads them from the default shard's catalog),
 * then routes the statement as if they were written, and the shards run it so written. Here the
 * session knows that {@code orders} has the columns (id, customer_id, status, total); customer_id,
 * the key, is the second, and key k is on shard k mod 3.
 */
class InsertWithoutColumnsRoutingTest {
    static final TableColumns ORDERS = table -> table.equals("orders") ? List.of("id", "customer_id", "status", "total") : null;
    static final RouteContext KNOWN = new RouteContext(Set.of(), false, false, ORDERS);

    final RouterFixture fixture = new RouterFixture();

    Command route(String sql, RouteContext context, String... bind) {
        return fixture.router.route(SqlLexer.statement(sql), n -> KeySource.text(bind[n - 1]), context);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            INSERT INTO orders VALUES (1, 4, 'new', 10)                     | run s1 one write (shard key of orders)
            INSERT INTO orders VALUES (1, 4), (2, 7)                        | run s1 one write (shard key of orders)
            INSERT INTO orders VALUES (1, 4), (2, 5), (3, 6)                | run s0 s1 s2 combine write (shard key of orders, rows split by shard)
            INSERT INTO orders VALUES (1, 4, DEFAULT, 10) RETURNING *       | run s1 one write (shard key of orders)
            INSERT INTO orders AS o VALUES (1, 5)                           | run s2 one write (shard key of orders)
            /* key=5 */ INSERT INTO orders VALUES (1, 5)                    | run s2 one write (routing comment key=5 for orders)
            EXPLAIN ROUTE INSERT INTO orders VALUES (1, 5)                  | explain route s2 one write (shard key of orders)
            INSERT INTO orders VALUES (1)                                   | refused 42P10 INSERT into sharded table orders without a column list gives 1 values, for its columns id, not its shard key customer_id (column 2); give the key, or list the columns
            INSERT INTO orders VALUES (1, 4 + 1)                            | refused 0A000 INSERT into sharded table orders computes its shard key customer_id from an expression; give it as a constant or a parameter
            INSERT INTO orders VALUES (1, NULL)                             | refused 23502 the shard key customer_id of a row inserted into orders is NULL; every row of a sharded table needs a key
            INSERT INTO orders DEFAULT VALUES                               | refused 42P10 INSERT into sharded table orders with DEFAULT VALUES leaves its shard key customer_id to its default; give the key
            WITH x AS (SELECT 1) INSERT INTO orders VALUES (1, 4)           | refused 42P10 INSERT into sharded table orders must list its columns, including the shard key customer_id
            """)
    void routesAsIfTheColumnsWereWritten(String sql, String command) {
        assertEquals(command, RouterFixture.describe(route(sql, KNOWN)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            INSERT INTO orders VALUES (1, 4, 'new', 10)                     | INSERT INTO orders ("id", "customer_id", "status", "total") VALUES (1, 4, 'new', 10)
            insert into "orders" as o values (1, 4)                         | insert into "orders" as o ("id", "customer_id") values (1, 4)
            INSERT INTO public.orders VALUES (1, 4, DEFAULT)                | INSERT INTO public.orders ("id", "customer_id", "status") VALUES (1, 4, DEFAULT)
            INSERT INTO orders VALUES (1, 4, 'a', 1, 'one too many')       | INSERT INTO orders ("id", "customer_id", "status", "total") VALUES (1, 4, 'a', 1, 'one too many')
            """)
    void theShardRunsTheStatementWithTheColumnsWritten(String sql, String text) {
        Route route = assertInstanceOf(Command.Run.class, route(sql, KNOWN)).route();
        assertEquals(Map.of("s1", text), route.textByShard());
    }

    @Test
    void aMultiRowInsertIsSplitWithTheColumnsWrittenInEachShardsText() {
        Route route = assertInstanceOf(Command.Run.class, route("INSERT INTO orders VALUES (1, 4, 'a'), (2, 5, 'b'), (3, 7, 'c')", KNOWN))
                .route();

        assertEquals(Map.of("s1", "INSERT INTO orders (\"id\", \"customer_id\", \"status\") VALUES (1, 4, 'a'), (3, 7, 'c')",
                "s2", "INSERT INTO orders (\"id\", \"customer_id\", \"status\") VALUES (2, 5, 'b')"), route.textByShard());
    }

    @Test
    void parametersRouteAndSplitAsWithAColumnList() {
        RouteContext extended = new RouteContext(Set.of(), false, true, ORDERS);
        Route one = assertInstanceOf(Command.Run.class, route("INSERT INTO orders VALUES ($1, $2)", extended, "1", "5")).route();
        Route split = assertInstanceOf(Command.Run.class,
                route("INSERT INTO orders VALUES ($1, $2), ($3, $4)", extended, "1", "4", "2", "5")).route();

        assertEquals(Map.of("s2", "INSERT INTO orders (\"id\", \"customer_id\") VALUES ($1, $2)"), one.textByShard());
        assertEquals(Map.of(), one.parametersByShard());
        assertEquals("INSERT INTO orders (\"id\", \"customer_id\") VALUES ($1, $2)", split.textByShard().get("s2"));
        assertEquals(List.of(3, 4), Arrays.stream(split.parametersByShard().get("s2")).boxed().toList());
    }

    @Test
    void withoutKnownColumnsTheRouterAsksForThem() {
        assertEquals("learn the columns of orders", fixture.answer("INSERT INTO orders VALUES (1, 4)"));
        assertEquals("learn the columns of orders", fixture.answer("EXPLAIN ROUTE INSERT INTO orders VALUES (1, 4)"));
        assertEquals("run s0 one write (unsharded table notes)", fixture.answer("INSERT INTO notes VALUES (1, 4)"));
    }

    @Test
    void onAnEventLoopTheWrittenStatementIsPlannedOffItFirst() {
        LexedStatement statement = SqlLexer.statement("INSERT INTO orders VALUES (8, 7, 'x')");
        assertNull(fixture.router.routeIfPlanned(statement, KeySource.Placeholders.NONE, KNOWN));

        var plan = fixture.router.plan(statement, KNOWN);

        assertEquals("run s1 one write (shard key of orders)", RouterFixture.describe(
                fixture.router.routeIfPlanned(statement, KeySource.Placeholders.NONE, KNOWN)));
        assertEquals("run s1 one write (shard key of orders)", RouterFixture.describe(
                fixture.router.route(statement, KeySource.Placeholders.NONE, KNOWN, plan)));
    }
}
