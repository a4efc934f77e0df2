package dev.pgsteer.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.store.KeyDirectoryStore.KeyAssignment;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The key directory of {@code function: directory} tables in a real PostgreSQL: assignments, and two
 * stores on one schema, as two pgsteer instances, where every change made through one reaches the
 * other's follower in version order, a bulk assignment in one delivery.
 */
class PostgresKeyDirectoryIT {

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE meta");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    private static PostgresMetadataStore open(String schema) {
        return PostgresMetadataStore.open(new MetadataStoreConfig(
                BackendUrl.parse("postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/meta"), schema),
                TenantDirectory.of(Map.of()));
    }

    @Test
    void keysAreAssignedLookedUpListedAndUnassigned() {
        try (PostgresMetadataStore store = open("keys_crud")) {
            KeyDirectoryStore keys = store.keys();
            assertEquals(Optional.empty(), keys.lookup("shop", "tenants", "acme"));
            Map<String, String> before = keys.assign("shop", "tenants", Map.of("acme", "s1"));
            assertTrue(before.containsKey("acme") && before.get("acme") == null, before.toString());
            assertEquals(Map.of("acme", "s1"), keys.assign("shop", "tenants", Map.of("acme", "s2")));
            keys.assign("shop", "devices", Map.of("7", "s0"));
            keys.assign("crm", "tenants", Map.of("acme", "s0"));

            assertEquals(Optional.of("s2"), keys.lookup("shop", "tenants", "acme"));
            assertEquals(Optional.of(Map.of("acme", "s2")), keys.loadGroup("shop", "tenants", 10));
            assertEquals(List.of("devices 7 s0", "tenants acme s2"), keys.list("shop", null, 10).stream()
                    .map(k -> k.group() + " " + k.key() + " " + k.shard()).toList());

            assertTrue(keys.unassign("shop", "tenants", "acme"));
            assertFalse(keys.unassign("shop", "tenants", "acme"));
            assertEquals(Optional.empty(), keys.lookup("shop", "tenants", "acme"));
            assertEquals(Optional.of(Map.of()), keys.loadGroup("shop", "tenants", 10));
            assertEquals(Optional.of("s0"), keys.lookup("crm", "tenants", "acme"), "each database has its own groups");
        }
    }

    @Test
    void aGroupLargerThanTheLimitIsNotLoaded() {
        try (PostgresMetadataStore store = open("keys_limit")) {
            Map<String, String> many = new LinkedHashMap<>();
            for (int i = 0; i < 5; i++) {
                many.put("k" + i, "s" + (i % 2));
            }
            store.keys().assign("shop", "tenants", many);
            assertEquals(Optional.empty(), store.keys().loadGroup("shop", "tenants", 4));
            assertEquals(5, store.keys().loadGroup("shop", "tenants", 5).orElseThrow().size());
        }
    }

    @Test
    void anotherInstanceFollowsEveryChangeInOrder() throws Exception {
        try (PostgresMetadataStore first = open("keys_follow"); PostgresMetadataStore second = open("keys_follow")) {
            BlockingQueue<List<KeyAssignment>> heard = new LinkedBlockingQueue<>();
            second.keys().follow(heard::add);

            first.keys().assign("shop", "tenants", Map.of("acme", "s1"));
            List<KeyAssignment> one = heard.poll(5, TimeUnit.SECONDS);
            assertEquals(List.of("acme s1"), one.stream().map(k -> k.key() + " " + k.shard()).toList());

            Map<String, String> bulk = new LinkedHashMap<>();
            for (int i = 0; i < 100; i++) {
                bulk.put("t" + i, "s2");
            }
            first.keys().assign("shop", "tenants", bulk);
            first.keys().unassign("shop", "tenants", "acme");
            List<KeyAssignment> delivered = new java.util.ArrayList<>();
            while (delivered.size() < 101) {
                List<KeyAssignment> next = heard.poll(5, TimeUnit.SECONDS);
                assertTrue(next != null, "heard " + delivered.size() + " of 101 changes");
                delivered.addAll(next);
            }
            assertEquals(101, delivered.size());
            KeyAssignment last = delivered.getLast();
            assertEquals(List.of("acme", "null"), List.of(last.key(), String.valueOf(last.shard())), "unassigned: shard null");
            for (int i = 1; i < delivered.size(); i++) {
                assertTrue(delivered.get(i - 1).version() <= delivered.get(i).version(), "in version order");
            }
            assertEquals(1, delivered.subList(0, 100).stream().map(KeyAssignment::version).distinct().count(),
                    "the bulk assignment is one version");
        }
    }
}
