package dev.pgsteer.router;

import static dev.pgsteer.router.RoutingFixture.assertRoute;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DDL as a table: on a table of the shard map every shard runs it, the default one first, and the
 * client sees one answer (MIRROR); on an unsharded table the default shard alone.
 */
class DdlRoutingTest {
    final ShardRouter router = RoutingFixture.router();

    Route route(String sql) throws RoutingException {
        return RoutingFixture.route(router, sql);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            CREATE TABLE orders (id bigint, customer_id bigint)                          | s0 s1 s2 | MIRROR | DDL on orders
            CREATE INDEX ON orders (status)                                              | s0 s1 s2 | MIRROR | DDL naming orders is applied to every shard
            DROP TABLE currencies                                                        | s0 s1 s2 | MIRROR | DDL on currencies
            CREATE TABLE settings (k text)                                               | s0       | ONE    | DDL on unsharded table settings
            TRUNCATE orders                                                              | s0 s1 s2 | MIRROR | DDL on orders
            DROP INDEX orders_status_idx                                                 | s0 s1 s2 | MIRROR | DROP INDEX: on every shard that has it
            """)
    void routes(String sql, String shards, Answer answer, String why) throws RoutingException {
        assertRoute(route(sql), shards, answer, StatementKind.DDL, "-", why);
    }

    @Test
    void dropIndexRunsWithIfExistsOffTheDefaultShard() throws RoutingException {
        Route route = route("DROP INDEX orders_status_idx");

        assertEquals(Set.of("s1", "s2"), route.textByShard().keySet());
        assertEquals("DROP INDEX IF EXISTS orders_status_idx", route.textByShard().get("s1"));
    }
}
