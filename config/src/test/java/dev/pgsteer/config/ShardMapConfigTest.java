package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ShardFunction.RangeBound;
import dev.pgsteer.config.yaml.ConfigLoader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a shard map in the file turns into. Its errors are in {@link ShardMapErrorsTest}. */
class ShardMapConfigTest {

    static final String BACKENDS = """
            backends:
              s0: { url: "postgresql://app:pw@h0/shop" }
              s1: { url: "postgresql://app:pw@h1/shop" }
              s2: { url: "postgresql://app:pw@h2/shop" }
            """;

    /** The shard map as the documentation shows it, byte for byte: a contract with users. */
    static final String SHOP = """
            databases:
              shop:
                shards: [s0, s1, s2]          # backends of the file
                default_shard: s0             # where unsharded tables live
                tables:
                  orders:     { key: customer_id, function: hash }
                  events:     { key: created_at, function: range, ranges: [{to: '2025-01-01', shard: s0}, {shard: s1}] }
                  regions:    { key: region, function: list, lists: {eu: s0, us: s1, apac: s2} }
                  currencies: { kind: reference }   # a full copy on every shard
            """;

    static ProxyConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "pgsteer.yaml", Map.of());
    }

    @Test
    void theDocumentedShardMapLoads() {
        ProxyConfig config = parse(BACKENDS + SHOP);

        DatabaseConfig shop = config.databases().get("shop");
        assertEquals(List.of("s0", "s1", "s2"), shop.shards());
        assertEquals("s0", shop.defaultShard());
        assertTrue(shop.isSharded());
        assertEquals(List.of("orders", "events", "regions", "currencies"), List.copyOf(shop.tables().keySet()));

        Map<String, TableConfig> expected = new LinkedHashMap<>();
        expected.put("orders", new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(), null));
        expected.put("events", new TableConfig.Sharded("events", "created_at", new ShardFunction.Range(List.of(
                new RangeBound(null, "2025-01-01", "s0"), new RangeBound(null, null, "s1"))), null));
        Map<String, String> regions = new LinkedHashMap<>();
        regions.put("eu", "s0");
        regions.put("us", "s1");
        regions.put("apac", "s2");
        expected.put("regions", new TableConfig.Sharded("regions", "region", new ShardFunction.ListOf(regions), null));
        expected.put("currencies", new TableConfig.Reference("currencies"));
        assertEquals(expected, shop.tables());
        assertEquals(List.of("eu", "us", "apac"), List.copyOf(
                ((ShardFunction.ListOf) ((TableConfig.Sharded) shop.tables().get("regions")).function()).shardOfValue().keySet()),
                "list values keep the file's order");
    }

    @Test
    void eachTableEntryKeepsItsLineForChecksAfterLoading() {
        ProxyConfig config = parse(BACKENDS + SHOP);

        assertEquals(10, config.sourceLines().lineOf(SourceLines.tablePath("shop", "orders")));
        assertEquals(13, config.sourceLines().lineOf(SourceLines.tablePath("shop", "currencies")));
        assertEquals(0, config.sourceLines().lineOf(SourceLines.tablePath("shop", "nope")));
    }

    @Test
    void linesAreNotPartOfTheConfigurationsValue() {
        ProxyConfig config = parse(BACKENDS + SHOP);
        ProxyConfig moved = parse("# a comment moves every line\n" + BACKENDS + SHOP);

        assertNotEquals(config.sourceLines(), moved.sourceLines());
        assertEquals(config, moved);
        assertEquals(config.hashCode(), moved.hashCode());
    }

    @Test
    void theShardsOfATableAreThoseItsFunctionNames() {
        DatabaseConfig shop = parse(BACKENDS + SHOP).databases().get("shop");

        assertEquals(List.of("s0", "s1", "s2"), shop.shardsOf((TableConfig.Sharded) shop.tables().get("orders")));
        assertEquals(List.of("s0", "s1"), shop.shardsOf((TableConfig.Sharded) shop.tables().get("events")));
    }

    @Test
    void defaultShardIsTheFirstWhenNotGiven() {
        DatabaseConfig shop = parse(BACKENDS + """
                databases:
                  shop: { shards: [s2, s0] }
                """).databases().get("shop");

        assertEquals("s2", shop.defaultShard());
        assertTrue(shop.isSharded(), "several shards make a sharded database even without tables");
        assertEquals(Map.of(), shop.tables());
    }

    @Test
    void extensionsTypeKindAndFrom() {
        DatabaseConfig shop = parse(BACKENDS + """
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      Orders: { kind: sharded, key: Customer_ID, function: HASH, type: bigint }
                      events:
                        key: created_at
                        function: range
                        type: timestamptz
                        ranges:
                          - { from: '2020-01-01 00:00:00+00', to: '2025-01-01 00:00:00+00', shard: s0 }
                          - { to: '2030-01-01 00:00:00+00', shard: s1 }
                      codes: { key: code, function: list, type: int4, lists: {1: s0, 2: s1} }
                      ids: { key: id, function: hash, type: uuid }
                """).databases().get("shop");

        assertEquals(new TableConfig.Sharded("orders", "customer_id", new ShardFunction.Hash(), KeyType.INTEGER),
                shop.table("orders").orElseThrow(), "table and key names are stored lower-case");
        TableConfig.Sharded events = (TableConfig.Sharded) shop.table("events").orElseThrow();
        assertEquals(KeyType.TIMESTAMPTZ, events.keyType());
        assertEquals(new ShardFunction.Range(List.of(
                new RangeBound("2020-01-01 00:00:00+00", "2025-01-01 00:00:00+00", "s0"),
                new RangeBound(null, "2030-01-01 00:00:00+00", "s1"))), events.function());
        assertEquals(KeyType.INTEGER, ((TableConfig.Sharded) shop.table("codes").orElseThrow()).keyType());
        assertEquals(Map.of("1", "s0", "2", "s1"),
                ((ShardFunction.ListOf) ((TableConfig.Sharded) shop.table("codes").orElseThrow()).function()).shardOfValue());
        assertEquals(KeyType.UUID, ((TableConfig.Sharded) shop.table("ids").orElseThrow()).keyType());
    }

    @Test
    void rangeBoundsWithoutATypeAreComparedAsWhatTheyLookLike() {
        DatabaseConfig db = parse(BACKENDS + """
                databases:
                  shop:
                    shards: [s0, s1, s2]
                    tables:
                      numbers: { key: n, function: range, ranges: [{to: 9, shard: s0}, {to: 10, shard: s1}, {shard: s2}] }
                      names: { key: name, function: range, ranges: [{to: b, shard: s0}, {to: ba, shard: s1}] }
                """).databases().get("shop");

        assertNull(((TableConfig.Sharded) db.table("numbers").orElseThrow()).keyType(),
                "an inferred type only orders the bounds; the catalog check learns the real one");
        assertTrue(db.table("names").isPresent());
    }

    @Test
    void aTableNotListedIsNotInTheMap() {
        DatabaseConfig shop = parse(BACKENDS + SHOP).databases().get("shop");
        assertFalse(shop.table("customers").isPresent());
    }

    @Test
    void aConfigBuiltInCodeGetsTheSameGuarantees() {
        PoolConfig pool = PoolConfig.defaults();
        TableConfig.Sharded strayShard = new TableConfig.Sharded("t", "k",
                new ShardFunction.ListOf(Map.of("a", "s9")), null);
        assertThrows(IllegalArgumentException.class, () ->
                new DatabaseConfig("shop", List.of("s0", "s1"), null, Map.of("t", strayShard), null, pool));
        assertThrows(IllegalArgumentException.class, () ->
                new DatabaseConfig("*", List.of("s0", "s1"), null, Map.of(), null, pool));
    }

    @Test
    void aTenantDatabaseBuiltInCodeShardsOnlyItsTenantsTables() {
        PoolConfig pool = PoolConfig.defaults();
        TenancyConfig tenancy = new TenancyConfig("app.tenant_id", List.of("public"), null, "tenants");
        TableConfig.Sharded projects = new TableConfig.Sharded("projects", "tenant_id",
                new ShardFunction.Directory("tenants", new DirectoryDefault.Refuse()), null);
        TableConfig.Sharded events = new TableConfig.Sharded("events", "id",
                new ShardFunction.Hash(BucketMap.even(12, List.of("s0", "s1"))), null);
        assertTrue(new DatabaseConfig("saas", List.of("s0", "s1"), null, Map.of("projects", projects), null, pool, tenancy)
                .isTenanted());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DatabaseConfig("saas",
                List.of("s0", "s1"), null, Map.of("projects", projects, "events", events), null, pool, tenancy));
        assertTrue(e.getMessage().contains("table events is sharded by id, not by the tenant id"), e.getMessage());
    }

    @Test
    void eachShardAsksForItsOwnBackendsDatabase() {
        ProxyConfig config = parse("""
                backends:
                  a: { url: "postgresql://app@h/shop_a" }
                  b: { url: "postgresql://app@h/shop_b" }
                  c: { url: "postgresql://app@h" }
                databases:
                  shop: { shards: [a, b, c] }
                  other: { shards: [a, b], backend_database: same }
                """);
        DatabaseConfig shop = config.databases().get("shop");

        assertEquals("shop_a", config.shardDatabaseName(shop, "a"));
        assertEquals("shop_b", config.shardDatabaseName(shop, "b"));
        assertEquals("shop", config.shardDatabaseName(shop, "c"));
        assertEquals("same", config.shardDatabaseName(config.databases().get("other"), "b"));
        assertThrows(IllegalArgumentException.class, () -> config.shardDatabaseName(shop, "z"));
    }
}
