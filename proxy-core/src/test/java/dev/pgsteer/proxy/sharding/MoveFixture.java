package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.PgHash;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the move tests share: a metadata store and shards with {@code wal_level = logical} whose login
 * may replicate and subscribe, database {@code shop} with orders (primary key) and items (none: the
 * move gives it REPLICA IDENTITY FULL) co-located in {@code buckets} hash buckets, pgsteer instances on
 * it, the admin console's SHOW MOVE, and the shards read directly: where each row is, and what a move
 * left behind.
 */
final class MoveFixture implements AutoCloseable {
    final EmbeddedBackend meta;
    final List<EmbeddedBackend> shards = new ArrayList<>();
    final int buckets;
    private final String nodeTimeout;

    MoveFixture(int shardCount, int buckets, String nodeTimeout) {
        this.buckets = buckets;
        this.nodeTimeout = nodeTimeout;
        meta = EmbeddedBackend.start();
        for (int i = 0; i < shardCount; i++) {
            EmbeddedBackend shard = EmbeddedBackend.start(0, Map.of("wal_level", "logical", "max_prepared_transactions", "20"));
            try (Connection c = shard.admin(); Statement s = c.createStatement()) {
                s.execute("ALTER ROLE app REPLICATION");
                s.execute("GRANT pg_create_subscription TO app");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            shards.add(shard);
        }
    }

    /** The configuration every instance of the fixture runs with. */
    String yaml() {
        StringBuilder backends = new StringBuilder();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            backends.append("  s").append(i).append(": { url: \"").append(shards.get(i).url()).append("\" }\n");
            names.add("s" + i);
        }
        return """
                listen: 127.0.0.1:0
                metadata_store: { url: "%s", node_timeout: %s }
                users:
                  app: { password: "app-secret" }
                  ops: { password: "ops-secret", admin: true }
                backends:
                %sdatabases:
                  shop:
                    shards: [%s]
                    backend_database: appdb
                    pool: { size: 8 }
                    tables:
                      orders: { key: customer_id, function: hash, buckets: %d }
                      items:  { key: customer_id, function: hash, buckets: %d }
                """.formatted(meta.url(), nodeTimeout, backends, String.join(", ", names), buckets, buckets);
    }

    PgSteerServer proxy() throws Exception {
        return new PgSteerServer(ConfigLoader.parse(yaml(), "shop.yaml", Map.of()))
                .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start();
    }

    static Connection connect(PgSteerServer proxy) throws SQLException {
        return connect(proxy.address().getPort());
    }

    static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(port, "shop", "socketTimeout=60"), "app", "app-secret");
    }

    static Connection console(int port) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(port, "pgsteer", "socketTimeout=60"), "ops", "ops-secret");
    }

    static Connection console(PgSteerServer proxy) throws SQLException {
        return console(proxy.address().getPort());
    }

    int bucket(int key) {
        return PgHash.remainder(new KeyValue.Int(key), buckets);
    }

    int keyIn(int bucket) {
        for (int k = 1; ; k++) {
            if (bucket(k) == bucket) {
                return k;
            }
        }
    }

    /** SHOW MOVE id through the console on {@code port}, as column → value. */
    static Map<String, String> showMove(int port, long id) throws SQLException {
        try (Connection c = console(port); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW MOVE " + id)) {
            assertTrue(rs.next(), "SHOW MOVE " + id);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.put(rs.getMetaData().getColumnName(i), rs.getString(i));
            }
            return row;
        }
    }

    /** Runs a MOVE (or another command answering id and phase) on the console on {@code port}; returns the move's id. */
    static long move(int port, String command) throws SQLException {
        try (Connection c = console(port); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(command)) {
            assertTrue(rs.next(), command);
            return rs.getLong("id");
        }
    }

    /** Waits until the move's phase is one of {@code phases}, as the console on {@code port} shows it; returns its row. */
    static Map<String, String> await(int port, long id, Duration bound, String... phases) throws Exception {
        long until = System.nanoTime() + bound.toNanos();
        Map<String, String> row;
        do {
            row = showMove(port, id);
            if (List.of(phases).contains(row.get("phase"))) {
                return row;
            }
            Thread.sleep(10);
        } while (System.nanoTime() < until);
        fail("move " + id + " did not reach " + List.of(phases) + ": " + row);
        return row;
    }

    /** The shard (its name) pgsteer routes {@code bucket}'s keys to. */
    static String routeOf(PgSteerServer proxy, int key) throws SQLException {
        try (Connection c = connect(proxy); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = " + key)) {
            rs.next();
            return rs.getString("shards");
        }
    }

    /** Rows (customer_id, id) of {@code table} read on every shard directly, each with the shards that hold it. */
    Map<List<Integer>, List<Integer>> placement(String table, String where) throws SQLException {
        Map<List<Integer>, List<Integer>> at = new HashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            try (Connection c = shards.get(i).direct(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT customer_id, id FROM " + table + " WHERE " + where)) {
                while (rs.next()) {
                    at.computeIfAbsent(List.of(rs.getInt(1), rs.getInt(2)), k -> new ArrayList<>()).add(i);
                }
            }
        }
        return at;
    }

    /** Publications, subscriptions, slots, move tables, fences and changed replica identities left on {@code shard}. */
    List<String> leftovers(int shard) throws SQLException {
        List<String> left = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(Pgjdbc.url(shards.get(shard).port(), "appdb"), "postgres", "");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                     "SELECT 'publication ' || pubname FROM pg_publication UNION ALL SELECT 'subscription ' || subname FROM pg_subscription"
                     + " UNION ALL SELECT 'slot ' || slot_name FROM pg_replication_slots UNION ALL SELECT 'table ' || relname FROM pg_class"
                     + " WHERE relname LIKE 'pgsteer_move%' UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgname LIKE 'pgsteer_move%'"
                     + " UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proname LIKE 'pgsteer_move%'"
                     + " UNION ALL SELECT 'identity ' || relname FROM pg_class WHERE relname IN ('orders', 'items') AND relreplident <> 'd'")) {
            while (rs.next()) {
                left.add(rs.getString(1));
            }
        }
        return left;
    }

    @Override
    public void close() throws Exception {
        for (EmbeddedBackend shard : shards) {
            shard.close();
        }
        meta.close();
    }
}
