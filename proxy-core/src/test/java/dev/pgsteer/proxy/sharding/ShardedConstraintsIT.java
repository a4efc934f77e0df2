package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.ShardedCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * UNIQUE, PRIMARY KEY and unique indexes on a sharded table, through pgsteer over three real shards:
 * each shard enforces them only among its own rows, so one that leaves out the shard key is refused
 * (0A000) and reaches no shard; one that includes the key is created everywhere and holds.
 */
class ShardedConstraintsIT {
    static ShardedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ShardedCluster.start();
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (order_id bigint, customer_id bigint NOT NULL, sku text)");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "ALTER TABLE items ADD CONSTRAINT items_sku UNIQUE (sku)",
            "ALTER TABLE items ADD PRIMARY KEY (order_id)",
            "ALTER TABLE items ADD COLUMN code text UNIQUE",
            "CREATE UNIQUE INDEX items_sku ON items (sku)",
            "CREATE UNIQUE INDEX ON items (sku)",
            "CREATE UNIQUE INDEX items_sku ON items (sku) WHERE customer_id > 0",
            "CREATE UNIQUE INDEX items_key ON items (lower(customer_id::text))"})
    void uniquenessWithoutTheShardKeyIsRefusedAndReachesNoShard(String ddl) throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            SQLException refused = assertThrows(SQLException.class, () -> s.execute(ddl));

            assertEquals("0A000", refused.getSQLState(), refused.getMessage());
            assertTrue(refused.getMessage().contains("does not include its shard key customer_id"), refused.getMessage());
        }
        for (int shard = 0; shard < 3; shard++) {
            assertEquals(0, count(shard, "SELECT count(*) FROM pg_index WHERE indrelid = 'items'::regclass AND indisunique"),
                    "unique indexes on shard " + shard);
            assertEquals(0, count(shard, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'code'"),
                    "column code on shard " + shard);
        }
    }

    @Test
    void aTableWhosePrimaryKeyLeavesOutTheShardKeyIsNotCreated() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            SQLException refused = assertThrows(SQLException.class,
                    () -> s.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL)"));

            assertEquals("0A000", refused.getSQLState(), refused.getMessage());
        }
        for (int shard = 0; shard < 3; shard++) {
            assertEquals(0, count(shard, "SELECT count(*) FROM pg_class WHERE relname = 'orders'"), "orders on shard " + shard);
        }
    }

    @Test
    void uniquenessThatIncludesTheShardKeyIsCreatedOnEveryShardAndHolds() throws SQLException {
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE events (id int, day date NOT NULL, kind text, PRIMARY KEY (day, id))");
            s.execute("CREATE UNIQUE INDEX events_kind ON events (kind, day)");
            s.execute("INSERT INTO events (id, day, kind) VALUES (1, '2024-06-01', 'a'), (1, '2025-06-01', 'a')");

            SQLException duplicateKey = assertThrows(SQLException.class,
                    () -> s.execute("INSERT INTO events (id, day, kind) VALUES (1, '2024-06-01', 'b')"));
            assertEquals("23505", duplicateKey.getSQLState(), duplicateKey.getMessage());
            SQLException duplicateKind = assertThrows(SQLException.class,
                    () -> s.execute("INSERT INTO events (id, day, kind) VALUES (2, '2025-06-01', 'a')"));
            assertEquals("23505", duplicateKind.getSQLState(), duplicateKind.getMessage());
        }
        for (int shard = 0; shard < 3; shard++) {
            assertEquals(2, count(shard, "SELECT count(*) FROM pg_index WHERE indrelid = 'events'::regclass AND indisunique"),
                    "unique indexes on shard " + shard);
        }
        assertEquals(1, count(0, "SELECT count(*) FROM events"), "rows of 2024 on s0");
        assertEquals(1, count(1, "SELECT count(*) FROM events"), "rows of 2025 on s1");
    }

    private static long count(int shard, String sql) throws SQLException {
        try (Connection c = cluster.shard(shard); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
