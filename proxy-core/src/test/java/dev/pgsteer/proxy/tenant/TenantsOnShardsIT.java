package dev.pgsteer.proxy.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tenants on a sharded database: saas has tenancy and a directory-sharded table, projects, whose key
 * tenant_id is the tenant's id. CREATE TENANT ... ON shard places the tenant in the directory; a
 * tenant's session goes to its shard with its row-level-security setting; an admin's session that
 * names no tenant reads every shard, merged. Three real shards and a real metadata store.
 */
class TenantsOnShardsIT {
    static final List<EmbeddedBackend> shards = new ArrayList<>();
    static EmbeddedBackend meta;
    static PgSteerServer proxy;

    @BeforeAll
    static void start() throws Exception {
        meta = EmbeddedBackend.start();
        StringBuilder backends = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            shards.add(EmbeddedBackend.shard());
            backends.append("  s").append(i).append(": { url: \"").append(shards.get(i).url()).append("\" }\n");
        }
        String yaml = """
                listen: 127.0.0.1:0
                users:
                  app: { password: "app-secret" }
                  ops: { password: "app-secret", admin: true }
                metadata_store: { url: "%s" }
                backends:
                %sdatabases:
                  saas:
                    shards: [s0, s1, s2]
                    backend_database: appdb
                    tenancy: { setting: app.tenant_id, directory: tenants }
                    tables:
                      projects: { key: tenant_id, function: directory, group: tenants }
                """.formatted(meta.url(), backends);
        proxy = new PgSteerServer(ConfigLoader.parse(yaml, "saas.yaml", Map.of()))
                .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start();
        try (Connection c = operator(); Statement s = c.createStatement()) {
            // DDL of the operator's sharded session runs on every shard.
            s.execute("CREATE TABLE projects (tenant_id text NOT NULL DEFAULT current_setting('app.tenant_id'), id int, "
                    + "name text, PRIMARY KEY (tenant_id, id))");
            s.execute("ALTER TABLE projects ENABLE ROW LEVEL SECURITY");
            s.execute("ALTER TABLE projects FORCE ROW LEVEL SECURITY");
            // A tenant sees its rows; a session without a tenant (the operator's) sees every row.
            s.execute("CREATE POLICY tenant_rows ON projects USING (coalesce(nullif(current_setting('app.tenant_id', true), ''), "
                    + "tenant_id) = tenant_id)");
        }
        try (Connection console = console()) {
            items(console, "CREATE TENANT acme MODE shared ON s1 IN saas NO ROLE");
            items(console, "CREATE TENANT globex MODE shared ON s2 IN saas NO ROLE");
            items(console, "CREATE TENANT initech MODE shared IN saas NO ROLE");
        }
        for (String tenant : List.of("acme", "globex", "initech")) {
            try (Connection c = tenant(tenant); Statement s = c.createStatement()) {
                for (int i = 1; i <= (tenant.equals("initech") ? 1 : 2); i++) {
                    s.executeUpdate("INSERT INTO projects (id, name) VALUES (" + i + ", '" + tenant + "-" + i + "')");
                }
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        for (EmbeddedBackend shard : shards) {
            shard.close();
        }
        meta.close();
    }

    static Connection console() throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(proxy, "pgsteer"), "ops", "app-secret");
    }

    static Connection operator() throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(proxy, "saas"), "ops", "app-secret");
    }

    static Connection tenant(String tenant) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "app");
        props.setProperty("password", "app-secret");
        props.setProperty("options", "-c pgsteer.tenant=" + tenant);
        return DriverManager.getConnection(Pgjdbc.url(proxy, "saas"), props);
    }

    static List<String> items(Connection c, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(i > 1 ? " " : "").append(rs.getString(i));
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }

    @Test
    void createTenantPlacesTheTenantInTheDirectoryAndShowTenantsShowsIt() throws SQLException {
        try (Connection console = console()) {
            assertEquals(List.of("saas tenants acme s1 directory"), items(console, "SHOW KEY 'acme'"));
            assertEquals(List.of("saas tenants initech s0 directory"), items(console, "SHOW KEY 'initech'"));
            List<String> tenants = items(console, "SHOW TENANTS").stream().map(r -> String.join(" ",
                    List.of(r.split(" ")).subList(0, 4))).toList();
            assertTrue(tenants.containsAll(List.of("acme saas shared s1", "globex saas shared s2", "initech saas shared s0")),
                    tenants.toString());
        }
    }

    @Test
    void eachTenantsRowsAreOnItsShardAndItSeesOnlyThem() throws SQLException {
        assertEquals(List.of("initech 1"), items(shards.get(0).direct(), "SELECT tenant_id, count(*) FROM projects GROUP BY 1"));
        assertEquals(List.of("acme 2"), items(shards.get(1).direct(), "SELECT tenant_id, count(*) FROM projects GROUP BY 1"));
        assertEquals(List.of("globex 2"), items(shards.get(2).direct(), "SELECT tenant_id, count(*) FROM projects GROUP BY 1"));
        try (Connection c = tenant("globex")) {
            assertEquals(List.of("globex-1", "globex-2"), items(c, "SELECT name FROM projects ORDER BY id"));
        }
    }

    @Test
    void anOperatorWithoutATenantReadsEveryShardMerged() throws SQLException {
        try (Connection c = operator()) {
            assertEquals(List.of("acme 2", "globex 2", "initech 1"),
                    items(c, "SELECT tenant_id, count(*) FROM projects GROUP BY tenant_id ORDER BY tenant_id"));
            assertEquals(List.of("s2 one shard key of projects"),
                    items(c, "EXPLAIN ROUTE SELECT * FROM projects WHERE tenant_id = 'globex'"));
            assertEquals(List.of("acme-2"), items(c, "SELECT name FROM projects WHERE tenant_id = 'acme' AND id = 2"));
        }
    }

    @Test
    void aTenantDoesNotMoveByAssignKey() throws SQLException {
        try (Connection console = console()) {
            SQLException e = assertThrows(SQLException.class, () -> items(console, "ASSIGN KEY 'acme' TO s0 FORCE"));
            assertEquals("55000", e.getSQLState());
            assertTrue(e.getMessage().contains("is tenant acme of database saas"), e.getMessage());
        }
    }

    @Test
    void dropTenantRemovesItsPlacement() throws SQLException {
        try (Connection console = console()) {
            items(console, "CREATE TENANT hooli MODE shared ON s2 IN saas NO ROLE");
            assertEquals(List.of("saas tenants hooli s2 directory"), items(console, "SHOW KEY 'hooli'"));
            items(console, "DROP TENANT hooli");
            assertEquals(List.of("saas tenants hooli null unknown key: refuse"), items(console, "SHOW KEY 'hooli'"));
        }
    }
}
