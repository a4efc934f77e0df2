package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.ClientTool;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.ToolRun;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admin console against a running pgsteer in front of a real PostgreSQL: a single-backend
 * database {@code appdb} and a sharded {@code shop} (two shards that are the same database, which is
 * enough to see them listed), with pgjdbc in its default (extended) and simple modes, and psql.
 */
class AdminConsoleIT {
    private static EmbeddedBackend backend;
    private static PgSteerServer proxy;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.shard();
        String yaml = """
                listen: 127.0.0.1:0
                users:
                  ops: { password: ops-secret, admin: true }
                  app: { password: app-secret }
                backends:
                  main: { url: "%1$s" }
                  s0: { url: "%1$s" }
                  s1: { url: "%1$s" }
                databases:
                  appdb: { shards: [main], pool: { size: 3 } }
                  shop:
                    shards: [s0, s1]
                    pool: { size: 2 }
                    tables:
                      orders: { key: customer_id, function: hash, type: integer }
                """.formatted(backend.url());
        ProxyConfig config = ConfigLoader.parse(yaml, "admin.yaml", Map.of());
        proxy = new PgSteerServer(config).decisionLog(Files.createTempDirectory("pgsteer-admin").resolve("decisions.log")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static Connection connect(String user, String password, String database, String... parameters) throws SQLException {
        String url = "jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/" + database + "?socketTimeout=15"
                + (parameters.length == 0 ? "" : "&" + String.join("&", parameters));
        return DriverManager.getConnection(url, user, password);
    }

    private static Connection console(String... parameters) throws SQLException {
        return connect("ops", "ops-secret", ProxyConfig.ADMIN_DATABASE, parameters);
    }

    /** Every row as column name to value (text), in order. */
    private static List<Map<String, String>> rows(Connection connection, String command) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(command)) {
            return rowsOf(rs);
        }
    }

    private static List<Map<String, String>> rowsOf(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<Map<String, String>> rows = new ArrayList<>();
        while (rs.next()) {
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                row.put(meta.getColumnName(i), rs.getString(i));
            }
            rows.add(row);
        }
        return rows;
    }

    private static List<String> columns(Connection connection, String command) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(command)) {
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                names.add(rs.getMetaData().getColumnName(i));
            }
            return names;
        }
    }

    private static Map<String, String> poolOf(Connection console, String backendName) throws SQLException {
        return rows(console, "SHOW POOLS").stream().filter(r -> r.get("backend").equals(backendName)).findFirst()
                .orElseThrow(() -> new AssertionError("no pool of backend " + backendName));
    }

    @ParameterizedTest(name = "preferQueryMode={0}")
    @ValueSource(strings = {"extended", "simple", "extendedForPrepared"})
    void aClientInATransactionShowsInShowClientsAndHoldsAPoolConnection(String mode) throws Exception {
        try (Connection console = console("preferQueryMode=" + mode);
             Connection app = connect("app", "app-secret", "appdb", "ApplicationName=it-app-" + mode)) {
            app.setAutoCommit(false);
            try (Statement s = app.createStatement()) {
                s.execute("SELECT 1");
            }

            Map<String, String> client = rows(console, "SHOW CLIENTS").stream()
                    .filter(r -> ("it-app-" + mode).equals(r.get("application_name"))).findFirst()
                    .orElseThrow(() -> new AssertionError("the app's session is not in SHOW CLIENTS"));
            assertEquals("app", client.get("user"));
            assertEquals("appdb", client.get("database"));
            assertEquals("idle in transaction", client.get("state"));
            assertEquals("127.0.0.1", client.get("addr"));
            assertEquals("f", client.get("pinned"));
            Map<String, String> self = rows(console, "show clients;").stream()
                    .filter(r -> "ops".equals(r.get("user"))).findFirst().orElseThrow();
            assertEquals("pgsteer", self.get("database"));
            assertEquals("active", self.get("state"), "the console is running SHOW CLIENTS");

            Map<String, String> held = poolOf(console, "main");
            assertEquals("1", held.get("sv_active"), held.toString());
            assertEquals("appdb", held.get("database"));
            assertEquals("3", held.get("pool_size"));

            app.commit();
            // The connection goes back to its pool just after the COMMIT's answer is relayed.
            Map<String, String> released = poolOf(console, "main");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!released.get("sv_active").equals("0") && System.nanoTime() < deadline) {
                Thread.sleep(20);
                released = poolOf(console, "main");
            }
            assertEquals("0", released.get("sv_active"), released.toString());
            assertTrue(Integer.parseInt(released.get("sv_idle")) >= 1, released.toString());
            assertTrue(Integer.parseInt(released.get("sv_opened")) >= 1, released.toString());
        }
    }

    @Test
    void aSessionThatEndsLeavesShowClients() throws Exception {
        try (Connection console = console()) {
            try (Connection app = connect("app", "app-secret", "appdb", "ApplicationName=it-leaves")) {
                assertTrue(rows(console, "SHOW CLIENTS").stream().anyMatch(r -> "it-leaves".equals(r.get("application_name"))));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (rows(console, "SHOW CLIENTS").stream().anyMatch(r -> "it-leaves".equals(r.get("application_name")))) {
                assertTrue(System.nanoTime() < deadline, "a closed session is still listed");
                Thread.sleep(50);
            }
        }
    }

    @Test
    void databasesAndShardsShowTheConfigurationAndTheShardPools() throws Exception {
        try (Connection shop = connect("app", "app-secret", "shop"); Statement s = shop.createStatement()) {
            s.execute("SELECT 1");
        }
        try (Connection console = console()) {
            List<Map<String, String>> databases = rows(console, "SHOW DATABASES");
            assertEquals(List.of("appdb", "shop"), databases.stream().map(r -> r.get("name")).toList());
            Map<String, String> shop = databases.get(1);
            assertEquals("s0, s1", shop.get("shards"));
            assertEquals("s0", shop.get("default_shard"));
            assertEquals("appdb", shop.get("backend_database"));
            assertEquals("transaction", shop.get("pool_mode"));
            assertEquals("2", shop.get("pool_size"));
            assertEquals("1", shop.get("sharded_tables"));

            List<Map<String, String>> shards = rows(console, "SHOW SHARDS");
            assertEquals(List.of("appdb/main", "shop/s0", "shop/s1"),
                    shards.stream().map(r -> r.get("database") + "/" + r.get("shard")).toList());
            Map<String, String> s0 = shards.get(1);
            assertEquals("127.0.0.1", s0.get("host"));
            assertEquals(String.valueOf(backend.port()), s0.get("port"));
            assertEquals("appdb", s0.get("backend_database"));
            assertEquals("t", s0.get("default_shard"));
            assertTrue(Integer.parseInt(s0.get("sv_idle")) >= 1, "the login's connection went back to s0's pool: " + s0);
        }
    }

    @Test
    void statsConfigVersionAndHelp() throws Exception {
        try (Connection console = console()) {
            Map<String, String> stats = new LinkedHashMap<>();
            rows(console, "SHOW STATS").forEach(r -> stats.put(r.get("name"), r.get("value")));
            assertTrue(Integer.parseInt(stats.get("pgsteer.clients.active")) >= 1, stats.toString());
            assertTrue(Integer.parseInt(stats.get("pgsteer.clients.accepted")) >= 1, stats.toString());
            assertTrue(stats.containsKey("pgsteer.auth.failures"), stats.toString());

            Map<String, String> config = new LinkedHashMap<>();
            rows(console, "SHOW CONFIG").forEach(r -> config.put(r.get("key"), r.get("value")));
            assertEquals("admin.yaml", config.get("source"));
            assertEquals("scram-sha-256", config.get("auth"));
            assertEquals("ops (admin), app", config.get("users"));
            assertTrue(config.values().stream().noneMatch(v -> v != null && v.contains("secret")), config.toString());

            assertTrue(rows(console, "SHOW VERSION").getFirst().get("version").startsWith("pgsteer "));
            assertEquals(List.of("command", "description"), columns(console, "HELP"));
            List<String> help = rows(console, "show help").stream().map(r -> r.get("command")).toList();
            assertEquals(List.of("SHOW DATABASES", "SHOW SHARDS", "SHOW BUCKETS", "SHOW POOLS", "SHOW CLIENTS",
                    "SHOW COORDINATORS", "SHOW STATS", "SHOW CONFIG", "SHOW VERSION", "SHOW TENANTS", "SHOW METADATA", "PAUSE",
                    "RESUME", "RELOAD"), help.subList(0, 14));
            assertTrue(help.stream().anyMatch(c -> c.startsWith("CREATE TENANT id MODE")), help.toString());
            assertEquals("SHOW HELP", help.getLast());

            // This proxy was built from a configuration in code, not started with --config: nothing to re-read.
            SQLException reload = assertThrows(SQLException.class, () -> rows(console, "RELOAD"));
            assertEquals("F0000", reload.getSQLState());
            assertTrue(reload.getMessage().contains("no configuration file to re-read"), reload.getMessage());
            assertEquals("admin.yaml", rows(console, "SHOW CONFIG").getFirst().get("value"), "the console goes on");
        }
    }

    @Test
    void namedStatementsWithBinaryResultsReadTheSameNumbers() throws Exception {
        try (Connection console = console("prepareThreshold=1");
             PreparedStatement databases = console.prepareStatement("SHOW DATABASES")) {
            for (int i = 0; i < 3; i++) {
                try (ResultSet rs = databases.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals("appdb", rs.getString("name"));
                    assertEquals(3, rs.getLong("pool_size"));
                    assertEquals("3", rs.getString("pool_size"));
                    assertTrue(rs.next());
                    assertEquals(2, rs.getLong("pool_size"));
                    assertEquals(1, rs.getInt("sharded_tables"));
                }
            }
        }
    }

    @Test
    void aNonAdminUserIsRefusedWith42501() {
        SQLException e = assertThrows(SQLException.class, () -> connect("app", "app-secret", ProxyConfig.ADMIN_DATABASE).close());
        assertEquals("42501", e.getSQLState());
        assertTrue(e.getMessage().contains("permission denied: user \"app\" is not an admin user"), e.getMessage());
    }

    @ParameterizedTest(name = "preferQueryMode={0}")
    @ValueSource(strings = {"extended", "simple"})
    void anUnknownCommandAndSqlAreErrorsAndTheConsoleGoesOn(String mode) throws Exception {
        try (Connection console = console("preferQueryMode=" + mode)) {
            SQLException unknown = assertThrows(SQLException.class, () -> rows(console, "SHOW POOLZ"));
            assertEquals("42601", unknown.getSQLState());
            assertTrue(unknown.getMessage().contains("unknown admin console command: SHOW POOLZ"), unknown.getMessage());
            assertTrue(unknown.getMessage().contains("SHOW POOLS"), "the hint lists the commands: " + unknown.getMessage());

            SQLException sql = assertThrows(SQLException.class, () -> rows(console, "SELECT 1"));
            assertEquals("0A000", sql.getSQLState());

            assertEquals(List.of("version"), columns(console, "SHOW VERSION"));
        }
    }

    @Test
    void psqlShowsTablesAndTheErrors() {
        ClientTool psql = ClientTool.require("psql");
        int port = proxy.address().getPort();
        ToolRun run = ToolRun.run(ToolRun.command(psql.binary(), "-X", "-v", "VERBOSITY=verbose", "-h", "127.0.0.1", "-p", port,
                        "-U", "ops", "-d", "pgsteer", "-c", "SHOW DATABASES", "-c", "show pools;", "-c", "SELECT 1"),
                ToolRun.clientEnvironment(Map.of("PGPASSWORD", "ops-secret")), Duration.ofSeconds(30));
        assertTrue(run.stdout().contains(" name  | shards | default_shard |"), run.describe());
        assertTrue(run.stdout().contains(" shop  | s0, s1 | s0            |"), run.describe());
        assertTrue(run.stdout().contains("sv_active"), run.describe());
        assertTrue(run.stderr().contains("ERROR:  0A000: the admin console runs only its own commands, not SQL: SELECT 1"),
                run.describe());

        ToolRun refused = ToolRun.run(ToolRun.command(psql.binary(), "-X", "-h", "127.0.0.1", "-p", port, "-U", "app",
                        "-d", "pgsteer", "-c", "SHOW POOLS"),
                ToolRun.clientEnvironment(Map.of("PGPASSWORD", "app-secret")), Duration.ofSeconds(30));
        assertEquals(2, refused.exitCode(), refused.describe());
        assertTrue(refused.stderr().contains("permission denied: user \"app\" is not an admin user"), refused.describe());
    }
}
