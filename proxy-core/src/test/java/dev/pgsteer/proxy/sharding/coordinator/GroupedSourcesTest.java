package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.router.plan.PulledLocal;
import dev.pgsteer.router.plan.PulledTable;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * TPC-H Q18's {@code o_orderkey IN (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING ...)}:
 * a source only when the column is the table's shard key, its type one a list carries and the text
 * holds no client parameter; the shards' answers are united, and one that failed or passed the bound
 * leaves no list.
 */
class GroupedSourcesTest {
    static final String SUBQUERY = "SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 300";
    static final List<List<String>> ROWS = List.of(Arrays.asList("public.lineitem", "lineitem", "lineitem",
            "l_orderkey,l_quantity,l_comment", null, "23,1700,25", "1200000", "public"));

    @Test
    void aSubqueryGroupedByTheShardKeyIsASource() {
        GroupedSources.Source source = GroupedSources.of(2, local("l_orderkey", SUBQUERY), List.of(lineitem("l_orderkey")), ROWS, 5);
        assertEquals(new GroupedSources.Source(5, 2, SUBQUERY, "l_orderkey", "23", "pg_catalog.int4[]"), source);
        assertEquals("SELECT CASE WHEN pg_catalog.count(*) <= 50000 THEN COALESCE(pg_catalog.array_agg(k)::text, '{}') END"
                + " FROM (SELECT DISTINCT \"l_orderkey\" AS k FROM (" + SUBQUERY + ") g WHERE \"l_orderkey\" IS NOT NULL LIMIT 50001) v",
                source.shardQuery());
        assertEquals("(SELECT pg_catalog.unnest('{1,2}'::pg_catalog.int4[]) AS \"l_orderkey\")", source.withValues("{1,2}").local().relation());
        // Not the shard key, a type no list carries, a client parameter: none.
        assertNull(GroupedSources.of(2, local("l_orderkey", SUBQUERY), List.of(lineitem("l_partkey")), ROWS, 5));
        assertNull(GroupedSources.of(2, local("l_comment", SUBQUERY), List.of(lineitem("l_comment")), ROWS, 5));
        PulledLocal withParameter = new PulledLocal("lineitem", "lineitem",
                List.of(new PulledTable.PushedFilter(List.of("SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > ", ""),
                        List.of(1), Set.of(), Set.of())), "l_orderkey");
        assertNull(GroupedSources.of(2, withParameter, List.of(lineitem("l_orderkey")), ROWS, 5));
    }

    @Test
    void theShardsAnswersAreUnitedAndOneMissingLeavesNone() {
        assertEquals("{1,2,7}", GroupedSources.union(List.of("{1,2}", "{}", "{2,7}")));
        assertNull(GroupedSources.union(Arrays.asList("{1,2}", null, "{2,7}")));
        assertEquals("{}", GroupedSources.union(List.of("{}", "{}")));
    }

    private static PulledLocal local(String column, String sql) {
        return new PulledLocal("lineitem", "lineitem", List.of(new PulledTable.PushedFilter(sql, Set.of())), column);
    }

    private static TableConfig.Sharded lineitem(String key) {
        return new TableConfig.Sharded("lineitem", key, new ShardFunction.Hash(), KeyType.INTEGER);
    }
}
