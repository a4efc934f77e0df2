package dev.pgsteer.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMapEdits;
import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a store lacks of a file's maps, and that a table added later joins its group's stored map. */
class BucketMapSeedTest {

    private static final List<String> SHARDS = List.of("s0", "s1", "s2");

    private static ProxyConfig config(String tables) {
        return ConfigLoader.parse("""
                listen: 127.0.0.1:0
                users:
                  app: { password: "x" }
                backends:
                  s0: { url: "postgresql://a@h0/db" }
                  s1: { url: "postgresql://a@h1/db" }
                  s2: { url: "postgresql://a@h2/db" }
                databases:
                  shop:
                    shards: [s0, s1, s2]
                    tables:
                %s""".formatted(tables.indent(6)), "shop.yaml", Map.of());
    }

    @Test
    void anEmptyStoreGetsEveryHashTablesMapFromTheFile() {
        ProxyConfig config = config("""
                orders: { key: customer_id, function: hash, buckets: 12 }
                regions: { key: region, function: list, lists: {eu: s0} }
                devices: { key: id, function: hash }
                """);

        assertEquals(Map.of("shop", Map.of("orders", BucketMap.even(12, SHARDS), "devices", BucketMap.even(3, SHARDS))),
                BucketMapSeed.missing(config, BucketMaps.NONE));
    }

    @Test
    void aStoreWithEveryTableLacksNothingAndKeepsItsOwnMaps() {
        ProxyConfig config = config("orders: { key: customer_id, function: hash, buckets: 12 }\n");
        BucketMap moved = BucketMapEdits.split(BucketMap.even(12, SHARDS), 24);

        assertEquals(Map.of(), BucketMapSeed.missing(config, BucketMaps.NONE.with("shop", Map.of("orders", moved), 3)));
    }

    @Test
    void aTableAddedToTheFileJoinsTheStoredMapOfTheTablesItIsCoLocatedWith() {
        ProxyConfig config = config("""
                orders: { key: customer_id, function: hash, buckets: 12 }
                items:  { key: customer_id, function: hash, buckets: 12 }
                events: { key: id, function: hash, buckets: 6 }
                """);
        BucketMap split = BucketMapEdits.split(BucketMap.even(12, SHARDS), 24);

        assertEquals(Map.of("shop", Map.of("items", split, "events", BucketMap.even(6, SHARDS))),
                BucketMapSeed.missing(config, BucketMaps.NONE.with("shop", Map.of("orders", split), 2)));
    }
}
