package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.router.Router;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.plan.Collations;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Functions;
import dev.pgsteer.router.plan.Functions.Entry;
import dev.pgsteer.router.plan.Functions.Kind;
import dev.pgsteer.router.plan.Functions.Name;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An aggregate the database has besides pg_catalog's (CREATE AGGREGATE, an extension's) cannot be
 * combined by the merge from the shards' partial results: a SELECT over several shards that calls
 * one goes to the coordinator step, where PostgreSQL computes it; a function of another name is
 * relayed from every shard and concatenated, as before; on one shard nothing changes. The catalog's
 * answer ({@link Functions}) is written out here: public.my_sum and stats.my_avg are
 * aggregates; public.both_ways is an aggregate in one overload and an ordinary function in another;
 * my_scalar is an ordinary function (so not in the catalog's answer).
 */
class UserAggregateRoutingTest {
    static final Functions SHOP_AGGREGATES = Functions.builtinAnd(List.of(
            new Entry("public", "my_sum", Kind.AGGREGATE, Kind.AGGREGATE),
            new Entry("stats", "my_avg", Kind.AGGREGATE, Kind.AGGREGATE),
            new Entry("public", "both_ways", Kind.AGGREGATE_OR_FUNCTION, Kind.AGGREGATE_OR_FUNCTION)),
            List.of(new Name("public", "my_scalar"), new Name("public", "both_ways")));
    /** A database with a sum of its own (over a type of its own): a call of sum may be it. */
    static final Functions OWN_SUM = Functions.builtinAnd(List.of(new Entry("public", "sum", Kind.AGGREGATE,
            Kind.AGGREGATE_OR_FUNCTION)), List.of());

    static final Map<String, String> EXPECTED = Map.of(
            "coordinated", "coordinate on s0 pulling orders",
            "merged", "run s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard, rows merged)",
            "concatenated", "run s0 s1 s2 combine read (no usable condition on the shard key of orders: every shard)");

    static String answer(Functions aggregates, String sql, boolean extended) {
        Router router = new Router(new ShardRouter(RouterFixture.SHOP, RouterFixture.PLACER, Collations.BYTEWISE_DEFAULT, 100)
                .withFunctions(aggregates));
        return RouterFixture.describe(router.route(SqlLexer.statement(sql), KeySource.Placeholders.NONE,
                new RouteContext(Set.of(), false, extended)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT my_sum(total) FROM orders                                        | coordinated
            SELECT MY_SUM(total) FROM orders                                        | coordinated
            SELECT "my_sum"(total) FROM orders                                      | coordinated
            SELECT public.my_sum(total) FROM orders                                 | coordinated
            SELECT stats.my_avg(total) FROM orders                                  | coordinated
            SELECT my_avg(total) FROM orders                                        | coordinated
            SELECT status, my_sum(total) FROM orders GROUP BY status                | coordinated
            SELECT customer_id, my_sum(total) FROM orders GROUP BY customer_id      | coordinated
            SELECT count(*), my_sum(total) FROM orders                              | coordinated
            SELECT my_sum(DISTINCT total) FROM orders                               | coordinated
            SELECT my_sum(total) FILTER (WHERE total > 1) FROM orders               | coordinated
            SELECT my_sum(total ORDER BY id) FROM orders                            | coordinated
            SELECT my_sum(total) + 1 FROM orders                                    | coordinated
            SELECT id, my_sum(total) OVER (PARTITION BY status) FROM orders         | coordinated
            SELECT status FROM orders GROUP BY status HAVING my_sum(total) > 10     | coordinated
            SELECT status, count(*) FROM orders GROUP BY status ORDER BY my_sum(total) | coordinated
            SELECT id FROM orders WHERE total > (SELECT my_sum(total) FROM orders)  | coordinated
            SELECT both_ways(total) FROM orders                                     | coordinated
            SELECT public.both_ways(total) FROM orders                              | coordinated
            SELECT pg_catalog.count(*) FROM orders                                  | coordinated
            SELECT my_scalar(total) FROM orders                                     | concatenated
            SELECT stats.my_sum(total) FROM orders                                  | coordinated 
            SELECT other.my_avg(total) FROM orders                                  | coordinated 
            SELECT "MY_SUM"(total) FROM orders                                      | coordinated 
            SELECT id FROM orders WHERE total > 'my_sum(total)'                     | concatenated
            SELECT count(*), sum(total) FROM orders                                 | merged
            SELECT status, max(total) FROM orders GROUP BY status ORDER BY status   | merged
            """)
    void aCallOfTheDatabasesOwnAggregateIsComputedByPostgreSql(String sql, String expected) {
        assertEquals(EXPECTED.get(expected), answer(SHOP_AGGREGATES, sql, false));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT sum(total) FROM orders                                           | coordinated
            SELECT status, sum(total) FROM orders GROUP BY status                   | coordinated
            SELECT count(*), max(total) FROM orders                                 | merged
            """)
    void aNameTheDatabaseAlsoHasAsAnAggregateOfItsOwnIsNotMerged(String sql, String expected) {
        assertEquals(EXPECTED.get(expected), answer(OWN_SUM, sql, false));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT my_sum(total) FROM orders                                        | coordinated
            SELECT my_scalar(total) FROM orders                                     | coordinated
            SELECT lower(status), coalesce(total, 0) FROM orders WHERE status = ANY('{a}') | concatenated
            SELECT count(*), sum(total) FROM orders                                 | merged
            """)
    void beforeTheCatalogIsReadOnlyPgCatalogsFunctionsAreKnown(String sql, String expected) {
        assertEquals(EXPECTED.get(expected), answer(Functions.BUILTIN, sql, false));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SELECT my_sum(total) FROM orders WHERE customer_id = 4                  | run s1 one read (shard key of orders)
            SELECT status, my_sum(total) FROM orders WHERE customer_id = 5 GROUP BY status | run s2 one read (shard key of orders)
            SELECT made_since(total) FROM orders WHERE customer_id = 4              | run s1 one read (shard key of orders)
            """)
    void onOneShardNothingChanges(String sql, String expected) {
        assertEquals(expected, answer(SHOP_AGGREGATES, sql, false));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            EXPLAIN ROUTE SELECT my_sum(total) FROM orders | explain coordinate on s0 pulling orders from s0 s1 s2 (pgsteer cannot merge my_sum(), an aggregate of the database's own, over several shards (pgsteer merges pg_catalog's count, sum, min, max and avg only) (tables orders); give the shard key so it runs on one shard) running SELECT my_sum(total) FROM orders
            EXPLAIN ROUTE SELECT made_since(total) FROM orders | explain coordinate on s0 pulling orders from s0 s1 s2 (pgsteer cannot merge made_since(), a function pgsteer does not know (the database's catalog did not have it when pgsteer last read it: it may be an aggregate made since), over several shards (tables orders); give the shard key so it runs on one shard) running SELECT made_since(total) FROM orders
            EXPLAIN ROUTE SELECT id FROM orders WHERE made_since(total) > 1 ORDER BY id | explain coordinate on s0 pulling orders from s0 s1 s2 (pgsteer cannot merge made_since(), a function pgsteer does not know (the database's catalog did not have it when pgsteer last read it: it may be an aggregate made since), over several shards (tables orders); give the shard key so it runs on one shard) running SELECT id FROM orders WHERE made_since(total) > 1 ORDER BY id
            EXPLAIN ROUTE SELECT both_ways(total) FROM orders | explain coordinate on s0 pulling orders from s0 s1 s2 (pgsteer cannot merge both_ways(), which the database has both as an aggregate and as an ordinary function, over several shards (pgsteer cannot tell which the call is, so it does not merge it) (tables orders); give the shard key so it runs on one shard) running SELECT both_ways(total) FROM orders
            """)
    void whereNoCoordinatorAnswersTheRefusalSaysWhy(String sql, String expected) {
        assertEquals(expected, answer(SHOP_AGGREGATES, sql, true));
    }

    /**
     * JSQLParser skims these into an UnsupportedStatement, which named no table: they ran on the
     * default shard alone (an aggregate, domain or cast missing on the other shards). Read by their
     * words now, like DDL JSQLParser cannot parse at all.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            CREATE AGGREGATE my_sum(int) (sfunc = int4pl, stype = int, initcond = '0') | run s0 s1 s2 mirror ddl (CREATE is applied to every shard)
            CREATE OR REPLACE AGGREGATE my_sum(int) (sfunc = int4pl, stype = int)      | run s0 s1 s2 mirror ddl (CREATE is applied to every shard)
            ALTER AGGREGATE my_sum(int) RENAME TO my_total                             | run s0 s1 s2 mirror ddl (ALTER is applied to every shard)
            DROP AGGREGATE IF EXISTS stats.my_avg(int)                                 | run s0 s1 s2 mirror ddl (DROP is applied to every shard)
            CREATE DOMAIN positive AS int CHECK (VALUE > 0)                            | run s0 s1 s2 mirror ddl (CREATE is applied to every shard)
            CREATE CAST (int AS text) WITH INOUT                                       | run s0 s1 s2 mirror ddl (CREATE is applied to every shard)
            """)
    void ddlOfAggregatesRunsOnEveryShard(String sql, String expected) {
        assertEquals(expected, new RouterFixture().answer(sql));
    }
}
