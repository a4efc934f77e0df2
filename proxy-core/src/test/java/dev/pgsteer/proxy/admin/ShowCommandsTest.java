package dev.pgsteer.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.backend.BackendConnector;
import dev.pgsteer.proxy.backend.pool.PoolRegistry;
import dev.pgsteer.proxy.backend.pool.PoolSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the SHOW commands make of a configuration, pools and sessions, without a server running. */
class ShowCommandsTest {
    private static final ProxyConfig CONFIG = ConfigLoader.parse("""
            listen: 127.0.0.1:6432
            auth_timeout: 500ms
            users:
              ops: { password: x, admin: true }
              app: { password: y }
            backends:
              main: { url: "postgresql://app:secret@db:5432/app" }
              s0: { url: "postgresql://app:secret@db0:5433/shop" }
              s1: { url: "postgresql://app:secret@db1/shop" }
            databases:
              app: { shards: [main], pool: { mode: session, size: 4, min_idle: 1 } }
              shop:
                shards: [s0, s1]
                default_shard: s1
                tables:
                  orders: { key: customer_id, function: hash }
                  currencies: { kind: reference }
              "*": { shards: [main] }
            """, "test.yaml", Map.of());

    private static List<Object> row(Object... values) {
        return Arrays.asList(values);
    }

    @Test
    void showDatabases() {
        Result result = ShowDatabases.of(CONFIG);
        assertEquals(List.of(
                row("app", "main", "main", "app", "session", 4L, 1L, 0L, 0L),
                row("shop", "s0, s1", "s1", "shop", "transaction", 20L, 0L, 1L, 1L),
                row("*", "main", "main", "(the name the client asks for)", "transaction", 20L, 0L, 0L, 0L)), result.rows());
        assertEquals("SHOW", result.tag());
    }

    @Test
    void showBucketsListsEachGroupOfTablesWithOneBucketMap() {
        ProxyConfig config = ConfigLoader.parse("""
                backends:
                  s0: { url: "postgresql://app:secret@db0/shop" }
                  s1: { url: "postgresql://app:secret@db1/shop" }
                databases:
                  shop:
                    shards: [s0, s1]
                    tables:
                      orders: { key: customer_id, function: hash, buckets: 4 }
                      regions: { key: region, function: list, lists: {eu: s0} }
                      customers: { key: id, function: hash }
                      items: { key: customer_id, function: hash, buckets: 4, placement: { s0: [0, 1, 2, 3] } }
                      payments: { key: customer_id, function: hash, buckets: 4 }
                  app: { shards: [s0] }
                """, "test.yaml", Map.of());

        assertEquals(List.of(
                row("shop", "orders, payments", "0 of 4", 4L, 0L, "s0", null),
                row("shop", "orders, payments", "1 of 4", 4L, 1L, "s1", null),
                row("shop", "orders, payments", "2 of 4", 4L, 2L, "s0", null),
                row("shop", "orders, payments", "3 of 4", 4L, 3L, "s1", null),
                row("shop", "customers", "0 of 2", 2L, 0L, "s0", null),
                row("shop", "customers", "1 of 2", 2L, 1L, "s1", null),
                row("shop", "items", "0 of 4", 4L, 0L, "s0", null),
                row("shop", "items", "1 of 4", 4L, 1L, "s0", null),
                row("shop", "items", "2 of 4", 4L, 2L, "s0", null),
                row("shop", "items", "3 of 4", 4L, 3L, "s0", null)), ShowBuckets.of(config).rows());
        // With the catalog's estimates: a shard's rows shared among its buckets by their part of the hash space.
        List<List<Object>> estimated = ShowBuckets.of(config, (db, map, tables) -> Map.of("s0", 1000.0)).rows();
        assertEquals(row("shop", "orders, payments", "0 of 4", 4L, 0L, "s0", 500L), estimated.get(0));
        assertEquals(row("shop", "orders, payments", "1 of 4", 4L, 1L, "s1", null), estimated.get(1));
        assertEquals(row("shop", "items", "0 of 4", 4L, 0L, "s0", 250L), estimated.get(6));
    }

    @Test
    void showShardsCountsTheConnectionsOfPoolsMadeSoFar() {
        PoolRegistry pools = new PoolRegistry(new BackendConnector(Duration.ofSeconds(1), NioSocketChannel.class, 10));
        pools.poolFor(ShowShards.target(CONFIG, CONFIG.databases().get("shop"), "s0"),
                new PoolSettings(20, 0, Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofHours(1)));

        Result result = ShowShards.of(CONFIG, pools);

        assertEquals(List.of(
                row("app", "main", "db", 5432L, "app", "app", true, 4L, 0L, 0L, 0L),
                row("shop", "s0", "db0", 5433L, "shop", "app", false, 20L, 0L, 0L, 0L),
                row("shop", "s1", "db1", 5432L, "shop", "app", true, 20L, 0L, 0L, 0L),
                row("*", "main", "db", 5432L, "(the name the client asks for)", "app", true, 20L, null, null, null)),
                result.rows());
        List<Object> pool = ShowPools.of(pools.pools()).rows().getFirst();
        assertEquals(row("shop", "app", "s0", "db0", 5433L, 20L, 0L, 0L, 0L, 0L, 0L, 0L, 0L), pool);
        pools.closeAll();
    }

    @Test
    void showConfigNamesAdminsAndNeverAPassword() {
        Result result = ShowConfig.of(CONFIG);
        assertEquals(row("auth_timeout", "500ms", "10s"), result.rows().get(3));
        assertEquals(row("users", "ops (admin), app", null), result.rows().get(6));
        assertTrue(String.valueOf(result.rows().get(7).get(1)).endsWith(" sslmode=prefer"), result.rows().get(7).toString());
        assertEquals(row("tls", "off", "off"), result.rows().getLast());
        assertTrue(result.rows().stream().flatMap(List::stream).noneMatch(v -> String.valueOf(v).contains("secret")));
    }

    @Test
    void showClientsFormatsTheSnapshots() {
        var snapshot = new dev.pgsteer.proxy.client.ClientSession.Snapshot(42, "app", "app", "idle in transaction",
                "127.0.0.1", 50000, Instant.parse("2025-03-01T10:15:30.5Z"), "psql", "LISTEN");
        assertEquals(List.of(row(42L, "app", "app", "idle in transaction", "127.0.0.1", 50000L, "2025-03-01 10:15:30 UTC",
                "psql", true, "LISTEN")), ShowClients.of(List.of(snapshot)).rows());
    }

    @Test
    void showStatsReadsEveryPgsteerMeter() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registry.counter("pgsteer.clients.accepted").increment(3);
        registry.counter("other.meter").increment();
        // A strong reference: registry.gauge(name, 2.0) holds its number weakly, and a GC before
        // the read turns it into NaN (CI saw exactly that).
        Gauge.builder("pgsteer.clients.active", () -> 2.0).strongReference(true).register(registry);

        Result result = ShowStats.of(registry, 61_500);

        assertEquals(List.of(row("pgsteer.clients.accepted", "counter", "3"), row("pgsteer.clients.active", "gauge", "2"),
                row("pgsteer.uptime.seconds", "gauge", "61")), result.rows());
    }
}
