package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A shard map version applied to a database's configuration. */
class BucketMapsTest {

    private static final List<String> SHARDS = List.of("s0", "s1", "s2");

    private static DatabaseConfig shop() {
        Map<String, TableConfig> tables = new LinkedHashMap<>();
        tables.put("orders", new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(), KeyType.INTEGER));
        tables.put("items", new TableConfig.Sharded("items", "customer_id", new ShardFunction.Hash(), null));
        tables.put("currencies", new TableConfig.Reference("currencies"));
        return new DatabaseConfig("shop", SHARDS, "s0", tables, null, PoolConfig.defaults());
    }

    @Test
    void theFilesOwnMapsChangeNothingSoCoLocationAsWrittenStays() {
        DatabaseConfig shop = shop();
        BucketMaps seeded = new BucketMaps(1, Map.of("shop", BucketMaps.seedOf(shop)));

        assertEquals(Map.of("orders", BucketMap.even(3, SHARDS), "items", BucketMap.even(3, SHARDS)), BucketMaps.seedOf(shop));
        assertSame(shop, seeded.applyTo(shop));
        assertSame(shop, BucketMaps.NONE.applyTo(shop));
    }

    @Test
    void aChangedMapReplacesTheTablesFunctionAndKeepsItsKeyType() {
        DatabaseConfig shop = shop();
        BucketMap moved = BucketMapEdits.move(BucketMap.even(3, SHARDS), new BucketMap.Bucket(3, 1, "s1"), "s2");
        BucketMaps maps = BucketMaps.NONE.with("shop", Map.of("orders", moved, "items", moved), 7);

        DatabaseConfig applied = maps.applyTo(shop);
        TableConfig.Sharded orders = (TableConfig.Sharded) applied.tables().get("orders");
        assertEquals(moved, applied.bucketsOf(orders));
        assertEquals(KeyType.INTEGER, orders.keyType());
        // The group changed together: still equal functions, still co-located.
        assertEquals(orders.function(), ((TableConfig.Sharded) applied.tables().get("items")).function());
        assertEquals(7, maps.version());
        assertSame(applied, maps.applyTo(applied));
    }

    @Test
    void aMapNamingAShardTheDatabaseLacksIsRefused() {
        BucketMap elsewhere = BucketMap.even(3, List.of("s0", "s1", "s9"));
        BucketMaps maps = BucketMaps.NONE.with("shop", Map.of("orders", elsewhere), 2);

        assertThrows(IllegalArgumentException.class, () -> maps.applyTo(shop()));
    }
}
