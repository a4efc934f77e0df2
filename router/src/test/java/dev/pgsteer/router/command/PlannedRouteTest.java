package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A session on an event loop asks {@code routeIfPlanned} first; on null it has the statement planned
 * elsewhere ({@code plan}) and routes it with that plan. The answer is the one {@code route} gives,
 * for the statement itself, the statement an EXPLAIN explains and a COPY's query; a statement that
 * needs no plan gets none and is answered at once.
 */
class PlannedRouteTest {
    private static final RouteContext OUTSIDE = new RouteContext(Set.of(), false, false);

    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT * FROM orders WHERE customer_id = 4
            UPDATE orders SET total = 1
            SELECT DATE '2025-01-01' FROM orders WHERE customer_id = 5
            EXPLAIN SELECT * FROM orders
            EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = 5
            COPY (SELECT * FROM orders) TO STDOUT
            """)
    void aStatementPlannedOffTheLoopRoutesAsRouteDoes(String sql) {
        LexedStatement statement = SqlLexer.statement(sql);
        assertNull(fixture.router.routeIfPlanned(statement, KeySource.Placeholders.NONE, OUTSIDE), "a new shape");
        Analysis plan = fixture.router.plan(statement);
        Command planned = fixture.router.route(statement, KeySource.Placeholders.NONE, OUTSIDE, plan);
        assertEquals(fixture.answer(sql), RouterFixture.describe(planned));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            BEGIN
            SET search_path TO app
            LISTEN orders_changed
            VACUUM orders
            COPY orders FROM STDIN
            """)
    void aStatementThatNeedsNoPlanIsAnsweredAtOnce(String sql) {
        LexedStatement statement = SqlLexer.statement(sql);
        assertNull(fixture.router.plan(statement));
        assertEquals(fixture.answer(sql),
                RouterFixture.describe(fixture.router.routeIfPlanned(statement, KeySource.Placeholders.NONE, OUTSIDE)));
    }
}
