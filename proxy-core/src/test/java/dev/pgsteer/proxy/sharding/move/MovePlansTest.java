package dev.pgsteer.proxy.sharding.move;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMapEdits;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.ShardFunction;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.proxy.sharding.map.MapChangeException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** orders and items (co-located, 4 buckets on s0 and s1), events (2 buckets, one on each); s2 and s3 added, empty. */
class MovePlansTest {
    static final List<String> SHARDS = List.of("s0", "s1", "s2", "s3");

    static DatabaseConfig shop(BucketMap orders, BucketMap events) {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        tables.put("orders", new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(orders), KeyType.INTEGER));
        tables.put("items", new TableConfig.Sharded("items", "customer_id", new ShardFunction.Hash(orders), KeyType.INTEGER));
        tables.put("events", new TableConfig.Sharded("events", "id", new ShardFunction.Hash(events), KeyType.INTEGER));
        tables.put("currencies", new TableConfig.Reference("currencies"));
        return new DatabaseConfig("shop", SHARDS, "s0", tables, null, PoolConfig.defaults());
    }

    static final DatabaseConfig SHOP = shop(BucketMap.even(4, List.of("s0", "s1")), BucketMap.even(2, List.of("s0", "s1")));

    @Test
    void everyHashGroupOnceByItsFirstTableOrTheNamedTablesOnly() {
        assertEquals(Map.of("orders", List.of("orders", "items"), "events", List.of("events")), MovePlans.groups(SHOP, null));
        assertEquals(Map.of("orders", List.of("orders", "items")), MovePlans.groups(SHOP, "items"));
        MapChangeException e = assertThrows(MapChangeException.class, () -> MovePlans.groups(SHOP, "currencies"));
        assertTrue(e.getMessage().contains("not hash-sharded"), e.getMessage());
    }

    @Test
    void aRebalanceMovesABucketToEachNewShardAndItsDraftsNameTheMapsBuckets() {
        MovePlans.GroupPlan plan = MovePlans.plan(SHOP, "orders", List.of("orders", "items"), new MovePlans.Rebalance());
        assertEquals(0, plan.plan().splitInto());
        List<MoveRecord> drafts = MovePlans.drafts(SHOP, plan);
        assertEquals(2, drafts.size());
        assertEquals(List.of("s2", "s3"), drafts.stream().map(MoveRecord::target).sorted().toList());
        for (MoveRecord d : drafts) {
            assertEquals(List.of("orders", "items"), d.tables());
            assertEquals(List.of("customer_id", "customer_id"), d.keys());
            assertEquals(4, d.modulus());
            assertEquals(d.source(), SHOP.bucketsOf((TableConfig.Sharded) SHOP.tables().get("orders")).placement().stream()
                    .filter(b -> b.remainder() == d.remainder()).findFirst().orElseThrow().shard());
            assertEquals("checking", d.phase());
        }
    }

    @Test
    void aSplitOfAOneBucketShardSplitsFirstAndItsDraftsReadTheSplitMap() {
        MovePlans.GroupPlan plan = MovePlans.plan(SHOP, "events", List.of("events"), new MovePlans.Split("s0", "s2"));
        assertEquals(4, plan.plan().splitInto());
        assertEquals(1, plan.plan().moves().size());
        // Before the split is the map in force, its buckets are not the map's: the drafts are refused, never wrong.
        MapChangeException stale = assertThrows(MapChangeException.class, () -> MovePlans.drafts(SHOP, plan));
        assertEquals("40001", stale.state().code());
        BucketMap split = BucketMapEdits.split(BucketMap.even(2, List.of("s0", "s1")), 4);
        MoveRecord draft = MovePlans.drafts(shop(BucketMap.even(4, List.of("s0", "s1")), split), plan).getFirst();
        assertEquals(4, draft.modulus());
        assertEquals("s0", draft.source());
        assertEquals("s2", draft.target());
    }

    @Test
    void aSplitOfAShardWithoutBucketsOfAGroupLeavesTheGroupAlone() {
        DatabaseConfig shop = shop(BucketMap.even(4, List.of("s0", "s1")), BucketMap.even(2, List.of("s1")));
        assertTrue(MovePlans.plan(shop, "events", List.of("events"), new MovePlans.Split("s0", "s2")).plan().isEmpty());
    }
}
