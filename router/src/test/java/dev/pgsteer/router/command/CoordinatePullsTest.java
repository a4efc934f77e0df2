package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.PulledTable;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
            SELECT count(DISTINCT o.status) FROM orders o JOIN currencies c ON c.code = o.currency WHERE (o.total > 10 AND c.rate > 1) OR (o.status = 'x' AND o.id < 5 AND c.rate < 1) | id status total currency | ((o.total > 10)) OR ((o.status = 'x') AND (o.id < 5))
            SELECT count(DISTINCT o.status) FROM orders o JOIN currencies c ON c.code = o.currency WHERE (o.total > 10 AND c.rate > 1) OR c.rate < 1 | status total currency | -
            SELECT count(DISTINCT status) FROM orders WHERE (total > 1 AND status = 'a')             | status total           | total > 1 ; status = 'a'
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
            SELECT count(DISTINCT status) FROM orders WHERE total > $1                             | status total           | total > $1
            SELECT count(DISTINCT status) FROM orders WHERE total > $2 AND status = $1 AND currency = 'EUR' | status total currency | total > $2 ; status = $1 ; currency = 'EUR'
            SELECT count(DISTINCT status) FROM orders WHERE status = '$1' AND total > $1           | status total           | status = '$1' ; total > $1
            SELECT count(DISTINCT status) FROM orders WHERE total > (SELECT $1)                    | status total           | -
            SELECT count(DISTINCT status) FROM orders WHERE status = ANY(ARRAY['a', 'b'])          | status                 | status = ANY(ARRAY['a', 'b'])
            SELECT count(DISTINCT status) FROM orders WHERE status = ANY('{a,b}') AND id <> ALL(ARRAY[1, -2]) | id status  | status = ANY('{a,b}') ; id <> ALL(ARRAY[1, -2])
            SELECT count(DISTINCT status) FROM orders WHERE id = ANY($1) AND id = ANY(ARRAY[1, 2]::bigint[]) | id status  | id = ANY($1) ; id = ANY(ARRAY[1, 2]::bigint[])
            SELECT count(DISTINCT status) FROM orders WHERE id = ANY(ARRAY[total, 1]) AND id = ANY(ARRAY[ARRAY[1]]) | id status total | id = ANY(ARRAY[total, 1]) ; id = ANY(ARRAY[ARRAY[1]])
            SELECT count(DISTINCT status) FROM orders WHERE id = ANY(SELECT 1)                     | id status              | -
            SELECT count(DISTINCT status) FROM orders WHERE id = ANY(ARRAY[random()])              | id status              | -
            SELECT count(DISTINCT status) FROM orders WHERE id = ANY(ARRAY[(SELECT 1)])            | id status              | -
            SELECT count(DISTINCT status) AS orders FROM orders WHERE total > 1                    | status total           | total > 1
            SELECT status, count(*) AS orders, sum(total) AS "orders" FROM orders WHERE total > 1 GROUP BY status HAVING count(DISTINCT id) > 1 | id status total | total > 1
            SELECT (SELECT count(*) AS orders FROM orders o2) , count(DISTINCT status) FROM orders WHERE total > 1 | status total | -
            SELECT count(DISTINCT status) AS orders FROM orders AS orders WHERE total > 1          | status total           | total > 1
            SELECT count(DISTINCT status) FROM orders AS o WHERE total > 1                         | status total           | total > 1
            SELECT CAST(count(DISTINCT status) AS orders) FROM orders WHERE total > 1              | *                      | -
            SELECT count(DISTINCT status) AS orders UNION SELECT 1 FROM orders                     | *                      | -
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

    /**
     * Which client parameters a pushed filter holds, in the order of its text (the proxy renumbers
     * them for the pulled statement), and which the statement holds nowhere else (a parameter whose
     * type the client left to the server is pushed only then: its type is deduced from the same
     * condition on the shard as in the statement).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT status) FROM orders WHERE total > $2 AND status = $1         | total > $2 [2] only 2 ; status = $1 [1] only 1
            SELECT count(DISTINCT status) FROM orders WHERE total BETWEEN $1 AND $1 + 1         | total BETWEEN $1 AND $1 + 1 [1, 1] only 1
            SELECT count(DISTINCT status), $1 FROM orders WHERE total > $1 AND id = $2          | total > $1 [1] only - ; id = $2 [2] only 2
            SELECT count(DISTINCT status) FROM orders WHERE total > $1 AND total < $1 * 2       | total > $1 [1] only - ; total < $1 * 2 [1] only -
            SELECT count(DISTINCT status) FROM orders WHERE status = 'x' AND id = ANY($2)       | status = 'x' [] only - ; id = ANY($2) [2] only 2
            """)
    void aFilterSaysWhichClientParametersItHolds(String sql, String expected) {
        String actual = pulls(sql).getFirst().filters().stream()
                .map(f -> f.sql() + " " + f.parameters() + " only "
                        + (f.onlyHere().isEmpty() ? "-" : f.onlyHere().stream().sorted().map(String::valueOf)
                                .collect(Collectors.joining(","))))
                .collect(Collectors.joining(" ; "));
        assertEquals(expected, actual, sql);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT status) FROM orders WHERE total > $2 AND status = $1 AND total < $2 + $3 | total > $1 ; status = $2 ; total < $1 + $3
            """)
    void aFilterIsRenumberedForThePulledStatement(String sql, String expected) {
        Map<Integer, Integer> numbers = new LinkedHashMap<>();
        String actual = pulls(sql).getFirst().filters().stream()
                .map(f -> f.sql(n -> numbers.computeIfAbsent(n, k -> numbers.size() + 1)))
                .collect(Collectors.joining(" ; "));
        assertEquals(expected, actual, sql);
    }

    private List<PulledTable> pulls(String sql) {
        Command command = fixture.router.route(SqlLexer.statement(sql), KeySource.Placeholders.NONE,
                new RouteContext(Set.of(), false, false));
        return assertInstanceOf(Command.Coordinate.class, command, sql).pulls();
    }
}
