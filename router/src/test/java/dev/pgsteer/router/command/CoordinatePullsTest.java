package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.PulledTable;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How narrowly the coordinator step pulls a sharded table: the columns of {@code orders} (id,
 * customer_id, status, total, currency, created) that the statement may name, and the conditions of
 * its WHERE that read only the table's own row, where the table is an inner member. Whenever the
 * statement may use the row whole, or names the table in a way the counts do not explain, every
 * column is pulled ({@code *}); a condition that is not surely the same on a shard stays behind.
 */
class CoordinatePullsTest {
    static final List<String> ORDERS_COLUMNS = List.of("id", "customer_id", "status", "total", "currency", "created");

    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT status) FROM orders                                            | status                 | -
            SELECT count(DISTINCT status) FROM orders WHERE total > 10                            | status total           | total > 10
            SELECT count(DISTINCT o.status) FROM orders o WHERE o.total > 10 AND o.currency = 'EUR' | status total currency | o.total > 10 ; o.currency = 'EUR'
            SELECT count(DISTINCT status) FROM orders WHERE status IN ('a', 'b') AND total >= 2.5 | status total           | status IN ('a', 'b') ; total >= 2.5
            SELECT count(DISTINCT status) FROM orders WHERE created <= date '1998-12-01' - interval '90' day | status created | created <= date '1998-12-01' - INTERVAL '90' day
            SELECT count(DISTINCT status) FROM orders WHERE total BETWEEN 1 AND 2 OR status IS NULL | status total         | total BETWEEN 1 AND 2 OR status IS NULL
            SELECT count(DISTINCT status) FROM orders WHERE lower(status) LIKE 'x%'               | status                 | lower(status) LIKE 'x%'
            SELECT count(DISTINCT status) FROM orders WHERE total > (SELECT 1)                     | status total           | -
            SELECT count(DISTINCT status) FROM orders WHERE created > now()                        | status created         | -
            SELECT count(DISTINCT status) FROM orders WHERE random() < 0.5                         | status                 | -
            SELECT count(DISTINCT status) FROM orders WHERE status = E'a\\\\b'                     | status                 | status = E'a\\\\b'
            SELECT count(DISTINCT status) FROM orders WHERE created > date '2020-01-01' AND status = E'a\\\\b' AND id IN (1, 2) AND total > 1 | id status total created | created > date '2020-01-01' ; id IN (1, 2) ; total > 1
            SELECT id, total * 2, rank() OVER (ORDER BY total) FROM orders                         | id total               | -
            SELECT *, rank() OVER (ORDER BY total) FROM orders                                     | *                      | -
            SELECT o.*, rank() OVER (ORDER BY total) FROM orders o                                 | *                      | -
            SELECT count(DISTINCT o) FROM orders o                                                 | *                      | -
            SELECT count(DISTINCT orders) FROM orders                                              | *                      | -
            SELECT count(DISTINCT status) FROM orders NATURAL JOIN currencies                      | *                      | -
            SELECT id FROM orders UNION SELECT id FROM orders WHERE total > 1                      | id total               | -
            SELECT count(DISTINCT o.status) FROM currencies c LEFT JOIN orders o ON o.currency = c.code WHERE o.total > 1 | status total currency | -
            SELECT count(DISTINCT o.status) FROM orders o LEFT JOIN currencies c ON o.currency = c.code WHERE o.total > 1 AND c.rate > 1 | status total currency | o.total > 1
            SELECT count(DISTINCT o.status) FROM orders o JOIN currencies c ON o.currency = c.code WHERE o.total > c.rate | status total currency | -
            SELECT count(DISTINCT o.status) FROM orders o WHERE orders.total > 1                  | status total           | -
            SELECT count(DISTINCT status) FROM orders WHERE total > $1                             | status total           | -
            """)
    void pullsOnlyWhatTheStatementCanUse(String sql, String columns, String filters) {
        PulledTable orders = pulls(sql).getFirst();
        String pulled = orders.identifiers() == null ? "*"
                : ORDERS_COLUMNS.stream().filter(orders.identifiers()::contains).collect(Collectors.joining(" "));
        assertEquals(columns, pulled, sql);
        String pushed = orders.filters().isEmpty() ? "-"
                : orders.filters().stream().map(PulledTable.PushedFilter::sql).collect(Collectors.joining(" ; "));
        assertEquals(filters, pushed, sql);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT status) FROM orders WHERE total > 10 AND currency = 'EUR'       | total ; currency
            SELECT count(DISTINCT o.status) FROM orders o WHERE o.total > 10 AND c = 1            | c
            """)
    void aFilterSaysWhichBareColumnsItNeedsTheTableToHave(String sql, String bare) {
        List<PulledTable.PushedFilter> filters = pulls(sql).getFirst().filters();
        String needed = filters.stream().map(f -> String.join(",", f.bareColumns().stream().sorted().toList()))
                .filter(s -> !s.isEmpty()).collect(Collectors.joining(" ; "));
        assertEquals(bare, needed, sql);
    }

    private List<PulledTable> pulls(String sql) {
        Command command = fixture.router.route(SqlLexer.statement(sql), KeySource.Placeholders.NONE,
                new RouteContext(Set.of(), false, false));
        return assertInstanceOf(Command.Coordinate.class, command, sql).pulls();
    }
}
