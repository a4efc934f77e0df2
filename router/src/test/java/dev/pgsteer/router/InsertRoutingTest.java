package dev.pgsteer.router;

import static dev.pgsteer.router.RoutingFixture.assertRoute;
import static dev.pgsteer.router.RoutingFixture.shards;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * INSERTs as a table: each row goes where its key says ({@link RoutingFixture}: integer key k is on
 * shard k mod 3); rows for several shards are split, one text per shard; a reference table gets the
 * row on every shard, an unsharded one on the default shard.
 */
class InsertRoutingTest {
    final ShardRouter router = RoutingFixture.router();

    Route route(String sql, String... bind) throws RoutingException {
        return RoutingFixture.route(router, sql, bind);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            INSERT INTO orders (id, customer_id) VALUES (1, 4)                           | s1       | ONE     | shard key of orders
            INSERT INTO orders (id, customer_id) VALUES (1, 4), (2, 7) RETURNING id      | s1       | ONE     | shard key of orders
            INSERT INTO orders (id, customer_id) VALUES (1, 4), (2, 5)                   | s1 s2    | COMBINE | shard key of orders, rows split by shard
            INSERT INTO orders (id, customer_id) VALUES (('1'::int8), ('4'::int8))       | s1       | ONE     | shard key of orders
            INSERT INTO orders (id, customer_id) VALUES (1, 4) ON CONFLICT (id) DO UPDATE SET status = excluded.status | s1 | ONE | shard key of orders
            INSERT INTO currencies (code) VALUES ('EUR')                                  | s0 s1 s2 | MIRROR  | reference table currencies
            INSERT INTO settings (k) VALUES ('x')                                        | s0       | ONE     | unsharded table settings
            """)
    void routes(String sql, String shards, Answer answer, String why) throws RoutingException {
        assertRoute(route(sql), shards, answer, StatementKind.WRITE, "-", why);
    }

    @Test
    void theKeyMayComeFromBind() throws RoutingException {
        assertEquals("s2", shards(route("INSERT INTO orders (id, customer_id) VALUES ($1, $2)", "1", "5")));
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
        assertEquals(List.of(1, 2, 6, 7), Arrays.stream(route.parametersByShard().get("s1")).boxed().toList());
        assertEquals(List.of(3, 4, 5), Arrays.stream(route.parametersByShard().get("s2")).boxed().toList());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            INSERT INTO orders (id) VALUES (1)                                                      | 42P10 | customer_id
            INSERT INTO orders VALUES (1, 2)                                                        | 42P10 | must list its columns
            INSERT INTO orders (id, customer_id) SELECT 1, 2                                        | 0A000 | INSERT ... SELECT
            """)
    void refuses(String sql, String sqlState, String mentions) {
        RoutingException e = assertThrows(RoutingException.class, () -> route(sql));
        assertEquals(sqlState, e.sqlState(), e.getMessage());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }
}
