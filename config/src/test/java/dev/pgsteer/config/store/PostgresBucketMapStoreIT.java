package dev.pgsteer.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMapEdits;
import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.yaml.ConfigLoader;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bucket maps in a real PostgreSQL, two stores (two instances) on one schema: seeded once from
 * the file, changed by one with a check that the map is still the one it saw, followed by the other.
 */
class PostgresBucketMapStoreIT {
    private static final List<String> SHARDS = List.of("s0", "s1", "s2");
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE meta");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    private static MetadataStoreConfig config() {
        return new MetadataStoreConfig(BackendUrl.parse("postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/meta"),
                "maps");
    }

    private static ProxyConfig file(String tables) {
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
    void seededOnceChangedWithACheckAndFollowedByTheOtherInstance() throws Exception {
        ProxyConfig config = file("""
                orders: { key: customer_id, function: hash, buckets: 6 }
                items:  { key: customer_id, function: hash, buckets: 6 }
                """);
        try (PostgresMetadataStore one = PostgresMetadataStore.open(config(), TenantDirectory.EMPTY);
             PostgresMetadataStore two = PostgresMetadataStore.open(config(), TenantDirectory.EMPTY)) {
            BucketMapStore a = one.bucketMaps().orElseThrow();
            BucketMapStore b = two.bucketMaps().orElseThrow();
            BucketMaps seeded = a.seed(config);
            assertEquals(1, seeded.version());
            assertEquals(Map.of("orders", BucketMap.even(6, SHARDS), "items", BucketMap.even(6, SHARDS)), seeded.of("shop"));
            assertEquals(seeded, b.seed(config), "the second instance adds nothing");

            BlockingQueue<BucketMaps> followed = new LinkedBlockingQueue<>();
            b.follow(followed::add);
            assertEquals(seeded, followed.poll(5, TimeUnit.SECONDS), "the maps in force when following starts");

            BucketMap six = BucketMap.even(6, SHARDS);
            BucketMap moved = BucketMapEdits.move(six, six.placement().get(2), "s0");
            long started = System.nanoTime();
            BucketMaps changed = a.change("shop", List.of("orders", "items"), six, moved);
            assertEquals(2, changed.version());
            BucketMaps heard = followed.poll(5, TimeUnit.SECONDS);
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertEquals(changed, heard);
            assertTrue(tookMs < 1000, "followed after " + tookMs + " ms");

            // The other instance's change from the map it saw before: refused, nothing written.
            BucketMapConflictException stale = assertThrows(BucketMapConflictException.class,
                    () -> b.change("shop", List.of("orders", "items"), six, BucketMapEdits.split(six, 12)));
            assertTrue(stale.getMessage().contains("changed meanwhile (shard map version 2)"), stale.getMessage());
            assertEquals(changed, b.load());

            // A table added to the file later joins its group's stored map.
            ProxyConfig grown = file("""
                    orders:   { key: customer_id, function: hash, buckets: 6 }
                    items:    { key: customer_id, function: hash, buckets: 6 }
                    payments: { key: customer_id, function: hash, buckets: 6 }
                    """);
            BucketMaps reseeded = b.seed(grown);
            assertEquals(3, reseeded.version());
            assertEquals(moved, reseeded.of("shop").get("payments"));
            assertEquals(reseeded, followed.poll(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS));

            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/meta",
                    "postgres", ""); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT table_name) FROM maps.buckets WHERE shard = 's0'")) {
                rs.next();
                assertEquals(List.of(9, 3), List.of(rs.getInt(1), rs.getInt(2)), "buckets 0, 2 and 3 of 6 on s0, for each table");
            }
        }
    }

    @Test
    void aMovesFlipChangesTheMapOnlyWhileItsInstanceOwnsTheMove() throws Exception {
        ProxyConfig config = file("""
                orders: { key: customer_id, function: hash, buckets: 6 }
                """);
        MetadataStoreConfig claimed = new MetadataStoreConfig(config().url(), "claimed");
        try (PostgresMetadataStore store = PostgresMetadataStore.open(claimed, TenantDirectory.EMPTY)) {
            BucketMapStore maps = store.bucketMaps().orElseThrow();
            MoveStore moves = store.moves().orElseThrow();
            BucketMaps seeded = maps.seed(config);
            BucketMap six = BucketMap.even(6, SHARDS);
            MoveRecord move = moves.create(MoveRecord.draft("shop", List.of("orders"), List.of("customer_id"), null, 6, 2, "s2", "s0"),
                    "n1");
            BucketMap moved = BucketMapEdits.move(six, six.placement().get(2), "s0");

            // Another instance adopted the move (its owner changed): the paused one's flip changes nothing.
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/meta",
                    "postgres", ""); Statement st = c.createStatement()) {
                st.execute("UPDATE claimed.moves SET owner = 'n2' WHERE id = " + move.id());
            }
            BucketMapConflictException lost = assertThrows(BucketMapConflictException.class,
                    () -> maps.change("shop", List.of("orders"), six, moved, new MoveClaim(move.id(), "n1")));
            assertTrue(lost.getMessage().contains("owned by n2 now"), lost.getMessage());
            assertEquals(seeded, maps.load());

            // Its owner's flip is made.
            BucketMaps flipped = maps.change("shop", List.of("orders"), six, moved, new MoveClaim(move.id(), "n2"));
            assertEquals(seeded.version() + 1, flipped.version());
            assertEquals(moved, flipped.of("shop").get("orders"));
        }
    }
}
