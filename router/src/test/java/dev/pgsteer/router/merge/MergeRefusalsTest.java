package dev.pgsteer.router.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.router.plan.Functions;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the merge counts as an aggregate and as a window function, found by walking the tree,
 * subqueries included: the same answers the former regular expressions over the printed tree gave,
 * except for text inside string constants, which is no call, and names written as PostgreSQL reads
 * them: {@code pg_catalog.count} and {@code "count"} are count (they were concatenated over several
 * shards: a wrong answer), {@code "COUNT"} and {@code public.count} are not pg_catalog's.
 */
class MergeRefusalsTest {

    static SelectItem<?> item(String expression) throws Exception {
        return ((PlainSelect) CCJSqlParserUtil.parse("SELECT " + expression + " FROM t")).getSelectItems().getFirst();
    }

    @ParameterizedTest(name = "{0}: aggregate {1}, window {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            count(*)                                           | true  | false
            MAX(b)                                             | true  | false
            avg(y) FILTER (WHERE z > 1)                        | true  | false
            CASE WHEN count(*) > 1 THEN 1 ELSE 0 END           | true  | false
            coalesce(sum(x), 0)                                | true  | false
            (sum(x))::int                                      | true  | false
            cast(sum(x) AS int)                                | true  | false
            ARRAY[count(*)]                                    | true  | false
            x BETWEEN min(a) AND max(b)                        | true  | false
            string_agg(a, ',' ORDER BY b)                      | true  | false
            mode() WITHIN GROUP (ORDER BY d)                   | true  | false
            percentile_cont(0.5) WITHIN GROUP (ORDER BY e)     | true  | false
            stddev_samp(a)                                     | true  | false
            regr_slope(c, d)                                   | true  | false
            any_value(l)                                       | true  | false
            (SELECT count(*) FROM u)                           | true  | false
            x IN (SELECT min(y) FROM u)                        | true  | false
            sum(b) OVER (PARTITION BY c)                       | true  | true
            rank() OVER (ORDER BY a)                           | false | true
            (SELECT rank() OVER (ORDER BY x) FROM u LIMIT 1)   | false | true
            pg_catalog.count(x)                                | true  | false
            "count"(y)                                         | true  | false
            "COUNT"(y)                                         | true  | false
            public.count(x)                                    | true  | false
            counter(z)                                         | true  | false
            lower(a)                                           | false | false
            regr_(a)                                           | true  | false
            'sum(x) over (w)'                                  | false | false
            """)
    // "COUNT", public.count, counter and regr_ are names pg_catalog does not have and the catalog
    // (Functions.BUILTIN here) did not show: each may be an aggregate made since, so it counts as one.
    void callsAreFoundInTheTree(String expression, boolean aggregate, boolean window) throws Exception {
        SelectItem<?> item = item(expression);

        assertEquals(aggregate, MergeRefusals.hasAggregate(item, Functions.BUILTIN), "aggregate");
        assertEquals(window, MergeRefusals.hasWindow(item), "window");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT a FROM t GROUP BY ROLLUP (a, b)             | true
            SELECT a FROM t GROUP BY CUBE (a)                  | true
            SELECT a FROM t GROUP BY GROUPING SETS ((a), (b))  | true
            SELECT a FROM t GROUP BY a, lower(b), 1            | false
            """)
    void groupingSetsAreRefused(String sql, boolean refused) throws Exception {
        PlainSelect plain = (PlainSelect) CCJSqlParserUtil.parse(sql);
        Refusal refusal = null;
        try {
            MergeRefusals.check(plain, plain.getSelectItems(), Functions.BUILTIN);
        } catch (Refusal r) {
            refusal = r;
        }
        assertEquals(refused, refusal != null && refusal.getMessage().startsWith("GROUPING SETS, ROLLUP or CUBE"));
    }
}
