package dev.pgsteer.proxy.sharding.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.store.InMemoryBucketMapStore;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.relay.prepared.StatementRegistry;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.command.RouteContext;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.PgHash;
import dev.pgsteer.router.sql.SqlLexer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The maps an instance routes by, without a metadata store (the file's, changed in memory): a change
 * is made for the whole group, checked as the file is, and the database routes by it from its next
 * statement, at a higher version.
 */
class ShardMapsTest {
    static final ProxyConfig CONFIG = ConfigLoader.parse("""
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
                  orders: { key: customer_id, function: hash, type: integer, buckets: 6 }
                  items:  { key: customer_id, function: hash, type: integer, buckets: 6 }
                  devices: { key: id, function: hash, type: integer }
                  regions: { key: region, function: list, lists: {eu: s0} }
            """, "shop.yaml", Map.of());

    private final ShardedDatabase shop = new ShardedDatabase(CONFIG, CONFIG.databases().get("shop"), null, null, Runnable::run,
            new StatementRegistry());
    private final ShardMaps maps = new ShardMaps(new InMemoryBucketMapStore(), () -> Map.of("shop", shop));

    private static String shardOf(Router router, int key) {
        Command command = router.route(SqlLexer.statement("SELECT * FROM orders WHERE customer_id = " + key),
                KeySource.Placeholders.NONE, new RouteContext(Set.of(), false, false));
        return String.join(",", ((Command.Run) command).route().shards());
    }

    @Test
    void theFilesMapsChangeNothingAndAChangeRoutesTheGroupsNextStatements() {
        Router before = shop.router();
        maps.start(CONFIG);
        assertSame(before, shop.router(), "the file's own maps: the same router, plan cache and all");
        assertEquals(1, shop.mapVersion());
        assertSame(CONFIG, maps.over(CONFIG));

        int key = 0;
        while (PgHash.remainder(new KeyValue.Int(++key), 6) != 2) {
            // a key in bucket 2 of 6, on s2
        }
        assertEquals("s2", shardOf(shop.router(), key));
        ShardMaps.Change change = maps.setBucket(null, "Orders", "2", "s0");

        assertEquals(new ShardMaps.Change("shop", List.of("orders", "items"), 2, "bucket 2 of 6 from s2 to s0"), change);
        assertEquals(2, shop.mapVersion());
        assertNotSame(before, shop.router());
        assertEquals("s0", shardOf(shop.router(), key));
        assertEquals("s2", shardOf(before, key), "a statement routed by the router it started with keeps it");
        DatabaseConfig routed = shop.config();
        assertEquals(((TableConfig.Sharded) routed.tables().get("orders")).function(),
                ((TableConfig.Sharded) routed.tables().get("items")).function(), "still co-located");
        assertEquals(routed, maps.over(CONFIG).databases().get("shop"), "a reload of the same file reads as unchanged");

        assertEquals("6 buckets split into 12", maps.split("shop", "items", 12).done());
        assertEquals(12, shop.config().bucketsOf((TableConfig.Sharded) shop.config().tables().get("orders")).buckets());
        assertEquals(3, shop.mapVersion());
        assertEquals("s0", shardOf(shop.router(), key));
        assertEquals(BucketMap.even(3, List.of("s0", "s1", "s2")),
                shop.config().bucketsOf((TableConfig.Sharded) shop.config().tables().get("devices")), "another group is untouched");
    }

    @Test
    void aChangeIsRefusedAsTheFileWouldBe() {
        maps.start(CONFIG);
        assertEquals("22023", assertThrows(MapChangeException.class, () -> maps.setBucket(null, "orders", "2", "s9")).state().code());
        assertTrue(assertThrows(MapChangeException.class, () -> maps.setBucket(null, "orders", "2 of 3", "s1")).getMessage()
                .contains("there is no bucket 2 of 3"));
        assertTrue(assertThrows(MapChangeException.class, () -> maps.setBucket(null, "orders", "1", "s1")).getMessage()
                .contains("is on s1 already"));
        assertTrue(assertThrows(MapChangeException.class, () -> maps.split(null, "regions", 12)).getMessage()
                .contains("is not hash-sharded"));
        assertEquals("42P01", assertThrows(MapChangeException.class, () -> maps.split(null, "nothing", 12)).state().code());
        assertEquals("3D000", assertThrows(MapChangeException.class, () -> maps.split("other", "orders", 12)).state().code());
        assertEquals(1, shop.mapVersion(), "nothing changed");
    }
}
