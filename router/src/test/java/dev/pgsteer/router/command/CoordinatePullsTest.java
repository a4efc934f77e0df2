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
            SELECT id FROM orders WHERE status = 'a' UNION SELECT id FROM orders WHERE total > 1   | id status total        | ((status = 'a')) OR ((total > 1))
            SELECT id FROM orders WHERE status = 'a' AND total > (SELECT avg(total) FROM orders WHERE status = 'b' AND id > 2) | id status total | ((status = 'a')) OR ((status = 'b') AND (id > 2))
            SELECT o.id FROM orders o WHERE o.status = 'a' AND o.total > (SELECT avg(o2.total) FROM orders o2 WHERE o2.status = 'b') | id status total | -
            SELECT id FROM orders WHERE status = 'a' AND NOT EXISTS (SELECT 1 FROM currencies LEFT JOIN orders ON total = rate WHERE status = 'b') | id status total | -
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
            SELECT count(DISTINCT status) FROM orders o WHERE NOT EXISTS (SELECT * FROM currencies c WHERE c.code = o.currency) | status currency | -
            SELECT count(DISTINCT status) FROM currencies c WHERE EXISTS (SELECT * FROM orders o WHERE o.currency = c.code AND o.total > 1) | status total currency | o.total > 1
            SELECT count(DISTINCT status) FROM orders o WHERE EXISTS (SELECT *, 1 FROM currencies c WHERE c.code = o.currency) | * | -
            SELECT count(DISTINCT status) FROM orders o WHERE EXISTS (SELECT 1 FROM (SELECT * FROM currencies) c WHERE c.code = o.currency) | * | -
            SELECT count(DISTINCT status) FROM currencies c WHERE EXISTS (SELECT * FROM orders o WHERE o.currency = c.code GROUP BY o.status) | * | -
            SELECT count(DISTINCT status) FROM currencies c WHERE EXISTS (SELECT * FROM orders o WHERE o.currency = (SELECT max(code) FROM currencies)) | status currency | -
            """)
    void pullsOnlyWhatTheStatementCanUse(String sql, String columns, String filters) {
        PulledTable orders = pulls(sql).getFirst();
        String pulled = orders.identifiers() == null ? "*"
                : ORDERS_COLUMNS.stream().filter(orders.identifiers()::contains).collect(Collectors.joining(" "));
        assertEquals(columns, pulled, sql);
        String pushed = orders.filters().isEmpty() ? "-"
                : orders.filters().stream().map(CoordinatePullsTest::text).collect(Collectors.joining(" ; "));
        assertEquals(filters, pushed, sql);
    }

    /** A filter's whole text, or (when only that can be pushed) the OR of its groups' conditions. */
    static String text(PulledTable.PushedFilter filter) {
        if (filter.hasWhole()) {
            return filter.sql();
        }
        return filter.anyOf().stream()
                .map(group -> "(" + group.stream().map(f -> "(" + text(f) + ")").collect(Collectors.joining(" AND ")) + ")")
                .collect(Collectors.joining(" OR "));
    }

    /**
     * An OR of AND-groups over several tables, with bare names: the whole is pushed when the table
     * has every name it reads (one table), else each group's own conditions, decided once the
     * table's columns are known (the names it has are its own in this scope).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT status) FROM orders o JOIN currencies c ON c.code = o.currency WHERE (total > 10 AND rate > 1) OR (status = 'x' AND rate < 1) | (total > 10 AND rate > 1) OR (status = 'x' AND rate < 1) | ((total > 10) AND (rate > 1)) OR ((status = 'x') AND (rate < 1))
            SELECT count(DISTINCT status) FROM orders o JOIN currencies c ON c.code = o.currency WHERE (total > $1 AND rate > 1) OR rate < 1 | (total > $1 AND rate > 1) OR rate < 1 | ((total > $1) AND (rate > 1)) OR ((rate < 1))
            """)
    void anOrOfGroupsKeepsEachGroupsConditions(String sql, String whole, String groups) {
        PulledTable.PushedFilter filter = pulls(sql).getFirst().filters().getFirst();
        assertEquals(whole, filter.sql(), sql);
        assertEquals(groups, filter.anyOf().stream()
                .map(group -> "(" + group.stream().map(f -> "(" + f.sql() + ")").collect(Collectors.joining(" AND ")) + ")")
                .collect(Collectors.joining(" OR ")), sql);
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

    /**
     * The equalities of each FROM list that joins sharded tables, as the coordinator step reads them to
     * pull a table only for the key values of another: WHERE conjuncts and inner joins' ON, an
     * equality every OR-ed group holds, never one under a lone OR or an outer join's ON. A member
     * receives keys when it occurs once, as an inner member.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT count(DISTINCT o.status) FROM orders o, items i WHERE o.id = i.order_id AND i.qty > 1          | i<items o<orders : o.id=i.order_id
            SELECT count(DISTINCT status) FROM orders JOIN items ON id = order_id WHERE qty > 1                    | items<items orders<orders : id=order_id
            SELECT count(DISTINCT status) FROM orders LEFT JOIN items ON id = order_id WHERE qty > 1               | -
            SELECT count(DISTINCT status) FROM orders, items WHERE id = order_id OR qty > 1                        | -
            SELECT count(DISTINCT status) FROM orders, items WHERE (id = order_id AND qty > 1) OR (order_id = id AND qty < 0) | items<items orders<orders : id=order_id
            SELECT count(DISTINCT status) FROM orders o, items i, items j WHERE o.id = i.order_id AND j.order_id = o.id | i<items#0 j<items#1 o<orders : o.id=i.order_id j.order_id=o.id
            SELECT count(DISTINCT status) FROM items LEFT JOIN orders ON id = order_id, items i2 WHERE orders.id = i2.order_id | i2<items#1 items<items#0 orders orders : orders.id=i2.order_id
            SELECT sum(i.qty) FROM items i, orders o WHERE o.id = i.order_id AND o.status = 'paid' AND i.qty < (SELECT avg(qty) FROM items WHERE order_id = o.id) | i<items#0 o<orders : o.id=i.order_id ; items<items#1 ^ i items#0 o orders (complete) : order_id=o.id
            SELECT count(*) FROM items WHERE order_id IN (SELECT id FROM orders WHERE status = 'paid') | in1 orders items<items : order_id=in1.id
            SELECT count(*) FROM items i WHERE i.order_id IN (SELECT o.id FROM orders o WHERE status = 'paid') | in1 orders i<items : i.order_id=in1.id
            SELECT count(*) FROM items i WHERE i.order_id IN (SELECT x.id FROM orders o WHERE status = 'paid') | -
            SELECT count(*) FROM items WHERE order_id NOT IN (SELECT id FROM orders WHERE status = 'paid') | -
            SELECT count(*) FROM items WHERE order_id IN (SELECT id FROM orders WHERE status = 'paid') OR qty > 5 | -
            SELECT count(*) FROM items WHERE order_id IN (SELECT id + 0 FROM orders WHERE status = 'paid') | -
            SELECT count(*) FROM items WHERE order_id IN (SELECT o.id FROM orders o, items i WHERE o.id = i.order_id) | i<items#1 o<orders ^ items items#0 (complete) : o.id=i.order_id
            SELECT count(*) FROM orders o WHERE EXISTS (SELECT 1 FROM items i, currencies c WHERE i.order_id = o.id AND c.code = 'EUR') | c<local0 i<items ^ o orders (complete) : i.order_id=o.id
            SELECT count(*) FROM orders o WHERE EXISTS (SELECT 1 FROM (SELECT order_id FROM items) d WHERE d.order_id = o.id) | -
            SELECT count(*) FROM orders o LEFT JOIN items i ON i.order_id = o.id WHERE NOT EXISTS (SELECT 1 FROM items j WHERE j.order_id = i.order_id) | j<items#1 ^ i items#0 o orders (complete) : j.order_id=i.order_id
            WITH items AS (SELECT order_id + 1 AS order_id FROM items) SELECT count(*) FROM orders o, items i WHERE o.id = i.order_id AND o.status = 'paid' | -
            SELECT count(DISTINCT o.status) FROM orders o, currencies c WHERE o.currency = c.code AND c.rate > 1 | c<local0 o<orders : o.currency=c.code
            SELECT count(DISTINCT o.status) FROM orders o JOIN currencies c ON o.currency = c.code JOIN items i ON i.order_id = o.id WHERE c.rate > 1 | c<local0 i<items o<orders : o.currency=c.code i.order_id=o.id
            SELECT count(DISTINCT o.status) FROM orders o LEFT JOIN currencies c ON o.currency = c.code WHERE c.rate > 1 | -
            SELECT count(DISTINCT o.status) FROM currencies c LEFT JOIN orders o ON o.currency = c.code WHERE c.rate > 1 AND o.id = c.id | c<local0 o orders : o.id=c.id
            SELECT count(DISTINCT o.status) FROM orders o, currencies c, currencies d WHERE o.currency = c.code AND c.rate = d.rate | c<local0 d<local1 o<orders : o.currency=c.code c.rate=d.rate
            """)
    void theJoinsOfEachScopeAreKnown(String sql, String expected) {
        Command command = fixture.router.route(SqlLexer.statement(sql), KeySource.Placeholders.NONE,
                new RouteContext(Set.of(), false, false));
        List<dev.pgsteer.router.plan.JoinScope> joins = assertInstanceOf(Command.Coordinate.class, command, sql).joins();
        String actual = joins.isEmpty() ? "-" : joins.stream().map(scope -> members(scope.members())
                        + (scope.outer().isEmpty() ? "" : " ^ " + members(scope.outer()) + (scope.complete() ? " (complete)" : ""))
                        + " : " + scope.equalities().stream()
                        .map(e -> name(e.left()) + "=" + name(e.right())).collect(Collectors.joining(" ")))
                .sorted().collect(Collectors.joining(" ; "));
        assertEquals(expected, actual, sql);
    }

    private static String name(dev.pgsteer.router.plan.JoinScope.Column column) {
        return column.qualifier() == null ? column.name() : shown(column.qualifier()) + "." + column.name();
    }

    /** Members as {@code alias<table} (receiving) or {@code alias table}, with {@code #occurrence} for a table named more than once. */
    private static String members(Map<String, dev.pgsteer.router.plan.JoinScope.Member> members) {
        return members.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(m -> shown(m.getKey()) + (m.getValue().receives() ? "<" : " ") + shown(m.getValue().table())
                        + (m.getValue().occurrences() > 1 ? "#" + m.getValue().occurrence() : ""))
                .collect(Collectors.joining(" "));
    }

    /** A nested member's name (NUL, "in", a number) or a local table's without its NUL. */
    private static String shown(String name) {
        return dev.pgsteer.router.plan.JoinScope.Member.nested(name) || name.startsWith("\u0000") ? name.substring(1) : name;
    }

    private List<PulledTable> pulls(String sql) {
        Command command = fixture.router.route(SqlLexer.statement(sql), KeySource.Placeholders.NONE,
                new RouteContext(Set.of(), false, false));
        return assertInstanceOf(Command.Coordinate.class, command, sql).pulls();
    }
}
