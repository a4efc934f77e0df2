package dev.pgsteer.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.SelectMerge.Aggregate;
import dev.pgsteer.router.plan.SelectMerge.Comparison;
import dev.pgsteer.router.plan.SelectMerge.Function;
import dev.pgsteer.router.plan.SelectMerge.HavingTerm;
import dev.pgsteer.router.plan.SelectMerge.SortKey;
import dev.pgsteer.router.plan.SelectMerge;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Multi-shard SELECTs as a table: the statement each shard runs, and the merge pgsteer applies to
 * their rows. Hidden columns (pgsteer's own, appended) are numbered from the end: -1 is the last.
 */
class SelectMergeTest {
    final ShardRouter router = RoutingFixture.router();

    Route route(String sql, String... bind) throws RoutingException {
        LexedStatement statement = SqlLexer.statement(sql);
        return router.resolve(router.analysis(statement), statement, n -> KeySource.text(bind[n - 1]), Set.of());
    }

    String shardText(String sql, String... bind) throws RoutingException {
        Route route = route(sql, bind);
        assertEquals(Set.of("s0", "s1", "s2"), route.textByShard().keySet());
        return route.textByShard().get("s0");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT id FROM orders ORDER BY id                                   | SELECT id FROM orders ORDER BY id
            SELECT id FROM orders ORDER BY total DESC                           | SELECT id, total FROM orders ORDER BY total DESC
            SELECT * FROM orders ORDER BY id                                    | SELECT *, id FROM orders ORDER BY id
            SELECT id FROM orders ORDER BY id LIMIT 10 OFFSET 5                 | SELECT id FROM orders ORDER BY id LIMIT (10::bigint + 5::bigint)
            SELECT id FROM orders LIMIT 3                                       | SELECT id FROM orders LIMIT 3
            SELECT id FROM orders WHERE status = 'it''s' OFFSET 2               | SELECT id FROM orders WHERE status = 'it''s'
            SELECT DISTINCT status FROM orders                                  | SELECT DISTINCT status FROM orders
            SELECT count(*) FROM orders                                         | SELECT count(*) FROM orders
            SELECT avg(total) FROM orders                                       | SELECT sum(total) AS avg, count(total) FROM orders
            SELECT status, avg(total) AS a FROM orders GROUP BY status ORDER BY a DESC LIMIT 2 | SELECT status, sum(total) AS a, count(total) FROM orders GROUP BY status
            SELECT count(*) FROM orders GROUP BY status                         | SELECT count(*), status FROM orders GROUP BY status
            SELECT status, count(*) FROM orders GROUP BY status HAVING count(*) > 1 AND status <> 'x' | SELECT status, count(*) FROM orders GROUP BY status HAVING status <> 'x'
            SELECT status FROM orders GROUP BY status HAVING sum(total) >= 10   | SELECT status, sum(total) FROM orders GROUP BY status
            SELECT status, min(total) FROM orders GROUP BY 1 ORDER BY max(total) | SELECT status, min(total), max(total) FROM orders GROUP BY 1
            SELECT id FROM orders ORDER BY id LIMIT $1 OFFSET $2                | SELECT id FROM orders ORDER BY id LIMIT ($1::bigint + $2::bigint)
            SELECT id FROM orders ORDER BY id LIMIT $1::INTEGER OFFSET $2::INTEGER | SELECT id FROM orders ORDER BY id LIMIT ($1::INTEGER::bigint + $2::INTEGER::bigint)
            SELECT id FROM orders ORDER BY id LIMIT $1::INTEGER                 | SELECT id FROM orders ORDER BY id LIMIT $1::INTEGER
            SELECT id FROM orders ORDER BY id LIMIT 10::integer OFFSET 5::int8  | SELECT id FROM orders ORDER BY id LIMIT (10::integer::bigint + 5::int8::bigint)
            SELECT id FROM orders ORDER BY id LIMIT (10) OFFSET ($1)            | SELECT id FROM orders ORDER BY id LIMIT ((10)::bigint + ($1)::bigint)
            SELECT id FROM orders ORDER BY id LIMIT ($1::smallint) OFFSET 2::numeric | SELECT id FROM orders ORDER BY id LIMIT (($1::smallint)::bigint + 2::numeric::bigint)
            SELECT id FROM orders ORDER BY id LIMIT NULL::integer OFFSET 5      | SELECT id FROM orders ORDER BY id LIMIT (NULL::integer::bigint + 5::bigint)
            SELECT status, count(*) FROM orders GROUP BY status ORDER BY 2 LIMIT $1::integer OFFSET $2::integer | SELECT status, count(*) FROM orders GROUP BY status
            """)
    void eachShardRunsTheRewrittenSelect(String sql, String expected) throws RoutingException {
        assertEquals(expected, shardText(sql, "7", "3"));
    }

    @Test
    void orderByGivesStreamingSortKeysWithPostgresNullOrdering() throws RoutingException {
        SelectMerge merge = route("SELECT id, status FROM orders ORDER BY status DESC, 1, total NULLS FIRST").merge();

        assertEquals(List.of(new SortKey(1, true, true), new SortKey(0, false, false), new SortKey(-1, false, true)),
                merge.sort());
        assertEquals(1, merge.hidden());
        assertEquals(-1, merge.limit());
    }

    @Test
    void limitAndOffsetComeFromLiteralsOrParameters() throws RoutingException {
        SelectMerge literal = route("SELECT id FROM orders ORDER BY id LIMIT 10 OFFSET 5").merge();
        SelectMerge bound = route("SELECT id FROM orders ORDER BY id LIMIT $1 OFFSET $2", "4", "2").merge();
        SelectMerge all = route("SELECT id FROM orders ORDER BY id LIMIT ALL").merge();

        assertEquals(List.of(10L, 5L), List.of(literal.limit(), literal.offset()));
        assertEquals(List.of(4L, 2L), List.of(bound.limit(), bound.offset()));
        assertEquals(List.of(-1L, 0L), List.of(all.limit(), all.offset()));
    }

    /** psycopg 3 casts every parameter; ORMs cast or parenthesize literals. The count is the value under the cast. */
    @ParameterizedTest(name = "{0} with {1}, {2}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT id FROM orders ORDER BY id LIMIT $1::INTEGER OFFSET $2::INTEGER       | 4    | 2    | 4  | 2
            SELECT id FROM orders ORDER BY id LIMIT ($1::bigint) OFFSET ($2)             | 4    | 2    | 4  | 2
            SELECT id FROM orders ORDER BY id LIMIT $1::numeric OFFSET $2::int2          | 2.5  | 0    | 3  | 0
            SELECT id FROM orders ORDER BY id LIMIT 10::integer OFFSET (5)               | 7    | 3    | 10 | 5
            SELECT id FROM orders ORDER BY id LIMIT (10)::integer OFFSET 2.5::int         | 7    | 3    | 10 | 3
            SELECT id FROM orders ORDER BY id LIMIT NULL::integer OFFSET NULL::integer   | 7    | 3    | -1 | 0
            SELECT status, count(*) FROM orders GROUP BY status ORDER BY 2 LIMIT $1::integer OFFSET $2::integer | 1 | 1 | 1 | 1
            """)
    void limitAndOffsetMayBeCastToAnIntegerOrParenthesized(String sql, String first, String second, long limit,
                                                         long offset) throws RoutingException {
        SelectMerge merge = route(sql, first, second).merge();

        assertEquals(List.of(limit, offset), List.of(merge.limit(), merge.offset()));
    }

    /** PostgreSQL's errors, raised by the merge: the shards may see LIMIT -3 OFFSET 5 as LIMIT 2, or no LIMIT at all. */
    @ParameterizedTest(name = "{0} with {1}, {2}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT id FROM orders ORDER BY id LIMIT $1::integer OFFSET $2::integer | -3 | 5  | 2201W | LIMIT must not be negative
            SELECT id FROM orders ORDER BY id LIMIT $1 OFFSET $2                   | -3 | 5  | 2201W | LIMIT must not be negative
            SELECT id FROM orders ORDER BY id LIMIT $1::integer OFFSET $2::integer | 3  | -1 | 2201X | OFFSET must not be negative
            SELECT id FROM orders ORDER BY id LIMIT $1::integer OFFSET $2::integer | -3 | -1 | 2201X | OFFSET must not be negative
            SELECT count(*) FROM orders LIMIT $1::integer OFFSET $2                | -1 | 0  | 2201W | LIMIT must not be negative
            """)
    void aNegativeLimitOrOffsetIsPostgresError(String sql, String first, String second, String sqlState,
                                                  String message) {
        RoutingException e = assertThrows(RoutingException.class, () -> route(sql, first, second));

        assertEquals(List.of(sqlState, message), List.of(e.sqlState(), e.getMessage()));
    }

    @Test
    void orderByAParameterIsAConstantNotAPosition() throws RoutingException {
        assertEquals(List.of(), route("SELECT id FROM orders ORDER BY $1", "2").merge().sort());
    }

    @Test
    void aggregatesAreCombinedPerGroupAndAvgIsSumOverCount() throws RoutingException {
        SelectMerge merge = route("SELECT status, count(*), avg(total) FROM orders GROUP BY status HAVING count(*) > 2"
                + " ORDER BY 3 DESC LIMIT 5").merge();

        assertTrue(merge.aggregate());
        assertEquals(List.of(new Aggregate(1, Function.COUNT, 0), new Aggregate(2, Function.AVG, -1)), merge.aggregates());
        assertEquals(List.of(new HavingTerm(1, Comparison.GT, new BigDecimal("2"))), merge.having());
        assertEquals(List.of(new SortKey(2, true, true)), merge.sort());
        assertEquals(5, merge.limit());
        assertEquals(1, merge.hidden());
    }

    @Test
    void havingOnAnAggregateNotSelectedAddsHiddenColumns() throws RoutingException {
        SelectMerge merge = route("SELECT status FROM orders GROUP BY status HAVING 10 < avg(total)").merge();

        assertEquals(List.of(new Aggregate(-2, Function.AVG, -1)), merge.aggregates());
        assertEquals(List.of(new HavingTerm(-2, Comparison.GT, BigDecimal.TEN)), merge.having());
        assertEquals(2, merge.hidden());
    }

    @Test
    void plainMultiShardSelectsAndSingleShardOnesAreNotRewritten() throws RoutingException {
        assertNull(route("SELECT * FROM orders WHERE status = 'x'").merge());
        assertEquals(Map.of(), route("SELECT * FROM orders WHERE status = 'x'").textByShard());
        Route one = route("SELECT status, count(*) FROM orders WHERE customer_id = 4 GROUP BY status ORDER BY 2");
        assertNull(one.merge());
        assertTrue(one.isSingleShard());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT id, rank() OVER (ORDER BY total) FROM orders                        | a window function over several shards
            SELECT count(DISTINCT status) FROM orders                                  | count(DISTINCT ...) over several shards
            SELECT string_agg(status, ',') FROM orders                                 | the aggregate string_agg() over several shards
            SELECT count(*) + 1 FROM orders                                            | an expression computed from an aggregate
            SELECT status FROM orders GROUP BY status HAVING count(*) > sum(total)     | a HAVING condition over several shards
            SELECT DISTINCT ON (status) status, id FROM orders                         | DISTINCT ON over several shards
            SELECT * FROM orders FETCH FIRST 3 ROWS ONLY                                | FETCH FIRST over several shards
            SELECT status, count(*) FROM orders GROUP BY ROLLUP (status)               | ROLLUP
            SELECT * FROM (SELECT status, count(*) FROM orders GROUP BY status) s      | a subquery over a sharded table
            SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.customer_id = o.customer_id GROUP BY i.sku) | a subquery over a sharded table
            SELECT id FROM orders ORDER BY id LIMIT 1 + 1                              | LIMIT or OFFSET computed by an expression
            SELECT id FROM orders ORDER BY id LIMIT 10::float8                         | LIMIT or OFFSET computed by an expression
            SELECT id FROM orders ORDER BY id LIMIT 10 OFFSET $1::text                 | LIMIT or OFFSET computed by an expression
            """)
    void whatCannotBeMergedIsRefusedNamingTheConstruct(String sql, String mentions) {
        RoutingException e = assertThrows(RoutingException.class, () -> route(sql));
        assertEquals("0A000", e.sqlState());
        assertTrue(e.getMessage().startsWith("pgsteer cannot merge "), e.getMessage());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }

    @Test
    void aSubqueryOverAnotherShardsRowsIsRefused() {
        RoutingException e = assertThrows(RoutingException.class,
                () -> route("SELECT * FROM orders WHERE total > (SELECT avg(total) FROM orders)"));
        assertTrue(e.getMessage().contains("not joined on their shard keys"), e.getMessage());
    }

    @Test
    void aSubqueryOverAReferenceTableMayAggregate() throws RoutingException {
        assertNull(route("SELECT * FROM orders WHERE currency IN (SELECT code FROM currencies GROUP BY code)").merge());
    }
}
