package dev.pgsteer.proxy.testkit;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Three embedded PostgreSQL servers as shards s0, s1, s2 and pgsteer in front of them with a shard
 * map: orders hashed by customer_id, regions listed by region, events ranged by day, currencies a
 * reference table. Tests reach the logical database {@code shop} through pgsteer, and each shard
 * directly to see where rows landed.
 */
public final class ShardedCluster implements AutoCloseable {
    public static final String TABLES = """
                  orders:     { key: customer_id, function: hash }
                  items:      { key: customer_id, function: hash }
                  regions:    { key: region, function: list, lists: {eu: s0, us: s1, apac: s2} }
                  events:     { key: day, function: range, type: date, ranges: [{to: '2025-01-01', shard: s0}, {to: '2026-01-01', shard: s1}, {shard: s2}] }
                  currencies: { kind: reference }
                  devices:    { key: id, function: hash }
            """;

    public final List<EmbeddedBackend> shards;
    public final Path decisionLog;
    public PgSteerServer proxy;
    private final String tables;
    /** More top-level YAML (a metadata_store:), or empty. */
    private final String top;

    private ShardedCluster(List<EmbeddedBackend> shards, Path decisionLog, String tables, String top) {
        this.shards = shards;
        this.decisionLog = decisionLog;
        this.tables = tables;
        this.top = top;
    }

    public static ShardedCluster start() throws Exception {
        return start("");
    }

    /** Shards whose database is created with {@code databaseOptions} (a collation: see {@link EmbeddedBackend#shard(String)}). */
    public static ShardedCluster start(String databaseOptions) throws Exception {
        return start(databaseOptions, TABLES);
    }

    /** The shop's three shards with {@code tables} (YAML, the entries of {@code tables:}) as its shard map. */
    public static ShardedCluster withTables(String tables) throws Exception {
        return start("", tables, "");
    }

    /** As {@link #withTables(String)}, with more top-level YAML ({@code top}: a {@code metadata_store:} line). */
    public static ShardedCluster withTables(String tables, String top) throws Exception {
        return start("", tables, top);
    }

    private static ShardedCluster start(String databaseOptions, String tables) throws Exception {
        return start(databaseOptions, tables, "");
    }

    private static ShardedCluster start(String databaseOptions, String tables, String top) throws Exception {
        List<EmbeddedBackend> shards = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            shards.add(EmbeddedBackend.shard(databaseOptions));
        }
        ShardedCluster cluster = new ShardedCluster(shards, Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log"),
                tables, top);
        cluster.startProxy();
        return cluster;
    }

    public void startProxy() throws InterruptedException {
        proxy = new PgSteerServer(config()).decisionLog(decisionLog).start();
    }

    public ProxyConfig config() {
        return ConfigLoader.parse(yaml(), "shop.yaml", Map.of());
    }

    /** The same map behind a proxy that asks no password: for raw-wire tests, which speak no SCRAM. */
    public ProxyConfig trustingConfig() {
        return ConfigLoader.parse(yaml().replace("listen: 127.0.0.1:0\n", "listen: 127.0.0.1:0\nauth: trust\n"), "shop.yaml", Map.of());
    }

    private String yaml() {
        StringBuilder backends = new StringBuilder();
        for (int i = 0; i < shards.size(); i++) {
            backends.append("  s").append(i).append(": { url: \"").append(shards.get(i).url()).append("\" }\n");
        }
        String yaml = """
                listen: 127.0.0.1:0
                users:
                  app: { password: "app-secret" }
                  ops: { password: "app-secret", admin: true }
                %sbackends:
                %sdatabases:
                  shop:
                    shards: [s0, s1, s2]
                    default_shard: s0
                    backend_database: appdb
                    pool: { size: 4 }
                    tables:
                %s""".formatted(top, backends, tables.indent(2));
        return yaml;
    }

    public Connection connect() throws SQLException {
        return connect(new Properties());
    }

    public Connection connect(Properties extra) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", "app-secret");
        props.setProperty("socketTimeout", "30");
        props.putAll(extra);
        return DriverManager.getConnection(Pgjdbc.url(proxy, "shop"), props);
    }

    /** The admin console (virtual database pgsteer) as the admin user ops. */
    public Connection console() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "ops");
        props.setProperty("password", "app-secret");
        props.setProperty("preferQueryMode", "simple");
        return DriverManager.getConnection(Pgjdbc.url(proxy, "pgsteer"), props);
    }

    public Connection shard(int i) throws SQLException {
        return shards.get(i).direct();
    }

    @Override
    public void close() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        for (EmbeddedBackend shard : shards) {
            shard.close();
        }
    }
}
