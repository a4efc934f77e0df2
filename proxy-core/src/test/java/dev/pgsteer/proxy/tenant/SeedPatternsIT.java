package dev.pgsteer.proxy.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
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
 * The seed's three patterns in one configuration, as README's "all three patterns in one file" shows
 * it: three real shards, a real metadata store, one YAML file.
 *
 * <ul>
 *   <li>Tenants in their own database: initech, {@code MODE database}, in the database initech on s0.</li>
 *   <li>Tenants in shared tables sharded by tenant id, placed by the directory: acme and hooli on s1,
 *       globex on s2 ({@code CREATE TENANT ... MODE shared ON s1}), kept apart on s1 by row-level
 *       security.</li>
 *   <li>Big tables hashed over buckets: events, 12 buckets over the three shards.</li>
 * </ul>
 *
 * <p>The big tables are in a second database of the file (analytics, backend database bigdb on the
 * same three servers), not in the tenant database saas: a tenant's session is relayed unparsed to its
 * tenant's shard, so a table hashed over every shard would show it one shard's part. pgsteer refuses
 * such a table in a tenant database at load, and this test checks that it does.
 */
class SeedPatternsIT {
    static final List<EmbeddedBackend> shards = new ArrayList<>();
    static EmbeddedBackend meta;
    static PgSteerServer proxy;
    static final int EVENTS = 120;

    /** README's example, with the embedded servers' URLs for s0, s1, s2 and the store. */
    static String yaml(String storeUrl, List<String> shardUrls) {
        return """
                listen: 127.0.0.1:0
                users:
                  app: { password: "app-secret" }                 # names its tenant, or uses analytics
                  ops: { password: "app-secret", admin: true }    # the operator: every tenant, merged
                metadata_store: { url: "%s" }
                backends:
                  s0: { url: "%s" }
                  s1: { url: "%s" }
                  s2: { url: "%s" }
                databases:
                  saas:                                           # tenants
                    shards: [s0, s1, s2]
                    backend_database: appdb
                    tenancy: { setting: app.tenant_id, directory: tenants }
                    tables:
                      projects: { key: tenant_id, function: directory, group: tenants }
                  analytics:                                      # big tables
                    shards: [s0, s1, s2]
                    backend_database: bigdb
                    tables:
                      events: { key: id, function: hash, buckets: 12 }
                """.formatted(storeUrl, shardUrls.get(0), shardUrls.get(1), shardUrls.get(2));
    }

    @BeforeAll
    static void start() throws Exception {
        meta = EmbeddedBackend.start();
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            EmbeddedBackend shard = EmbeddedBackend.shard();
            shards.add(shard);
            urls.add(shard.url());
            try (Connection admin = shard.admin(); Statement s = admin.createStatement()) {
                // CREATE TENANT ... MODE database makes the tenant's database as the backend login.
                s.execute("ALTER ROLE app CREATEDB CREATEROLE");
                s.execute("CREATE DATABASE bigdb OWNER app");
            }
        }
        proxy = new PgSteerServer(ConfigLoader.parse(yaml(meta.url(), urls), "pgsteer.yaml", Map.of()))
                .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start();
        try (Connection c = connect("saas", "ops", null); Statement s = c.createStatement()) {
            // The operator's session on saas is sharded: this DDL runs on every shard.
            s.execute("CREATE TABLE projects (tenant_id text NOT NULL DEFAULT current_setting('app.tenant_id'), id int, "
                    + "name text, PRIMARY KEY (tenant_id, id))");
            s.execute("ALTER TABLE projects ENABLE ROW LEVEL SECURITY");
            s.execute("ALTER TABLE projects FORCE ROW LEVEL SECURITY");
            s.execute("CREATE POLICY tenant_rows ON projects USING (coalesce(nullif(current_setting('app.tenant_id', true), ''), "
                    + "tenant_id) = tenant_id)");
        }
        try (Connection console = DriverManager.getConnection(Pgjdbc.url(proxy, "pgsteer"), "ops", "app-secret")) {
            rows(console, "CREATE TENANT acme MODE shared ON s1 IN saas NO ROLE");
            rows(console, "CREATE TENANT hooli MODE shared ON s1 IN saas NO ROLE");
            rows(console, "CREATE TENANT globex MODE shared ON s2 IN saas NO ROLE");
            rows(console, "CREATE TENANT initech MODE database IN saas NO ROLE");
        }
        try (Connection c = tenant("initech"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE projects (tenant_id text NOT NULL DEFAULT 'initech', id int, name text, "
                    + "PRIMARY KEY (tenant_id, id))");
        }
        for (String tenant : List.of("acme", "hooli", "globex", "initech")) {
            try (Connection c = tenant(tenant); Statement s = c.createStatement()) {
                for (int i = 1; i <= (tenant.equals("hooli") ? 1 : 2); i++) {
                    s.executeUpdate("INSERT INTO projects (id, name) VALUES (" + i + ", '" + tenant + "-" + i + "')");
                }
            }
        }
        try (Connection c = connect("analytics", "app", null); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE events (id bigint PRIMARY KEY, kind text)");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO events (id, kind) VALUES (?, ?)")) {
                for (long id = 1; id <= EVENTS; id++) {
                    insert.setLong(1, id);
                    insert.setString(2, id % 2 == 0 ? "view" : "click");
                    insert.executeUpdate();
                }
            }
        }
        for (EmbeddedBackend shard : shards) {
            try (Connection c = bigdb(shard); Statement s = c.createStatement()) {
                // Only for satisfies_hash_partition, which asks for a table hash-partitioned on the key's type.
                s.execute("CREATE TABLE by_bigint (k bigint) PARTITION BY HASH (k)");
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (EmbeddedBackend shard : shards) {
            shard.close();
        }
        if (meta != null) {
            meta.close();
        }
    }

    static Connection connect(String database, String user, String tenant) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", "app-secret");
        if (tenant != null) {
            props.setProperty("options", "-c pgsteer.tenant=" + tenant);
        }
        return DriverManager.getConnection(Pgjdbc.url(proxy, database), props);
    }

    static Connection tenant(String tenant) throws SQLException {
        return connect("saas", "app", tenant);
    }

    /** Straight to a shard's database, not through pgsteer: where the rows really are. */
    static Connection onShard(EmbeddedBackend shard, String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + shard.port() + "/" + database,
                EmbeddedBackend.USER, EmbeddedBackend.PASSWORD);
    }

    static Connection bigdb(EmbeddedBackend shard) throws SQLException {
        return onShard(shard, "bigdb");
    }

    static List<String> rows(Connection c, String sql) throws SQLException {
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

    static List<String> rows(EmbeddedBackend shard, String database, String sql) throws SQLException {
        try (Connection c = onShard(shard, database)) {
            return rows(c, sql);
        }
    }

    @Test
    void bigTablesInTheTenantDatabaseItselfAreRefusedAtLoad() {
        // The same file with events under saas: refused on events' line, the fix naming a second database.
        String oneDatabase = yaml("postgresql://app@h/meta", List.of("postgresql://app@h0/appdb", "postgresql://app@h1/appdb",
                "postgresql://app@h2/appdb")).replace("""
                      projects: { key: tenant_id, function: directory, group: tenants }
                """, """
                      projects: { key: tenant_id, function: directory, group: tenants }
                      events:   { key: id, function: hash, buckets: 12 }
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(oneDatabase, "pgsteer.yaml", Map.of()));
        assertTrue(e.getMessage().contains("pgsteer.yaml:17: databases.saas.tables.events is sharded by id, not by the tenant id "
                + "in directory group tenants"), e.getMessage());
        assertTrue(e.getMessage().contains("move events to a database without tenancy"), e.getMessage());
    }

    @Test
    void sharedTenantsRowsAreOnTheShardTheDirectorySays() throws SQLException {
        try (Connection console = DriverManager.getConnection(Pgjdbc.url(proxy, "pgsteer"), "ops", "app-secret")) {
            assertEquals(List.of("saas tenants acme s1 directory"), rows(console, "SHOW KEY 'acme' OF tenants"));
            assertEquals(List.of("saas tenants hooli s1 directory"), rows(console, "SHOW KEY 'hooli' OF tenants"));
            assertEquals(List.of("saas tenants globex s2 directory"), rows(console, "SHOW KEY 'globex' OF tenants"));
            // A database tenant is placed by its own database, not by the directory.
            assertEquals(List.of("saas tenants initech null unknown key: refuse"), rows(console, "SHOW KEY 'initech' OF tenants"));
        }
        String byTenant = "SELECT tenant_id, count(*) FROM projects GROUP BY 1 ORDER BY 1";
        assertEquals(List.of(), rows(shards.get(0), "appdb", byTenant));
        assertEquals(List.of("acme 2", "hooli 1"), rows(shards.get(1), "appdb", byTenant));
        assertEquals(List.of("globex 2"), rows(shards.get(2), "appdb", byTenant));
    }

    @Test
    void aSharedTenantSeesOnlyItsRowsOnAShardItShares() throws SQLException {
        try (Connection c = tenant("acme")) {
            assertEquals(List.of("acme-1", "acme-2"), rows(c, "SELECT name FROM projects ORDER BY id"));
            assertEquals(List.of("0"), rows(c, "SELECT count(*) FROM projects WHERE tenant_id = 'hooli'"));
            assertEquals(List.of("acme"), rows(c, "SELECT current_setting('app.tenant_id')"));
        }
        try (Connection c = tenant("hooli")) {
            assertEquals(List.of("hooli-1"), rows(c, "SELECT name FROM projects ORDER BY id"));
            // Row-level security keeps its writes to its own id, on a shard it shares with acme.
            try (Statement s = c.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate(
                        "INSERT INTO projects (tenant_id, id, name) VALUES ('acme', 9, 'forged')"));
                assertEquals("42501", e.getSQLState());
            }
        }
        try (Connection c = tenant("globex")) {
            assertEquals(List.of("globex-1", "globex-2"), rows(c, "SELECT name FROM projects ORDER BY id"));
        }
    }

    @Test
    void aDatabaseTenantHasItsOwnDatabase() throws SQLException {
        try (Connection c = tenant("initech")) {
            assertEquals(List.of("initech"), rows(c, "SELECT current_database()"));
            assertEquals(List.of("initech initech-1", "initech initech-2"), rows(c, "SELECT tenant_id, name FROM projects ORDER BY id"));
        }
        assertEquals(List.of("initech 2"), rows(shards.get(0), "initech", "SELECT tenant_id, count(*) FROM projects GROUP BY 1"));
        for (EmbeddedBackend shard : shards) {
            assertEquals(List.of("0"), rows(shard, "appdb", "SELECT count(*) FROM projects WHERE tenant_id = 'initech'"));
        }
    }

    @Test
    void theOperatorReadsEveryShardedTenantMerged() throws SQLException {
        try (Connection c = connect("saas", "ops", null)) {
            // The shared tenants of every shard; initech's rows are in its own database, not in saas's shards.
            assertEquals(List.of("acme 2", "globex 2", "hooli 1"),
                    rows(c, "SELECT tenant_id, count(*) FROM projects GROUP BY tenant_id ORDER BY tenant_id"));
            assertEquals(List.of("s1 one shard key of projects"),
                    rows(c, "EXPLAIN ROUTE SELECT * FROM projects WHERE tenant_id = 'hooli'"));
            assertEquals(List.of("hooli-1"), rows(c, "SELECT name FROM projects WHERE tenant_id = 'hooli'"));
        }
    }

    @Test
    void bigTableRowsAreOnTheShardOfTheirBucket() throws SQLException {
        int total = 0;
        for (int i = 0; i < 3; i++) {
            StringBuilder held = new StringBuilder();
            for (int b = i; b < 12; b += 3) {
                held.append(held.isEmpty() ? "" : " OR ").append("satisfies_hash_partition('by_bigint'::regclass, 12, ")
                        .append(b).append(", id)");
            }
            List<String> counts = rows(shards.get(i), "bigdb", "SELECT count(*) FILTER (WHERE NOT (" + held + ")), count(*) FROM events");
            String[] misplacedAndAll = counts.getFirst().split(" ");
            assertEquals("0", misplacedAndAll[0], "rows of events on s" + i + " outside its buckets");
            assertTrue(Integer.parseInt(misplacedAndAll[1]) > 0, "events on s" + i);
            total += Integer.parseInt(misplacedAndAll[1]);
            // The tenant database's backend database has no events: the two databases do not mix.
            assertEquals(List.of("f"), rows(shards.get(i), "appdb", "SELECT to_regclass('events') IS NOT NULL"));
        }
        assertEquals(EVENTS, total);
    }

    @Test
    void explainRouteNamesTheBucketAndReadsWithoutAKeyAreMerged() throws SQLException {
        try (Connection c = connect("analytics", "app", null)) {
            for (long id = 1; id <= 30; id++) {
                int bucket = bucketOf(id);
                assertEquals(List.of("s" + bucket % 3 + " one shard key of events; bucket " + bucket + " of 12"),
                        rows(c, "EXPLAIN ROUTE SELECT * FROM events WHERE id = " + id), "event " + id);
            }
            // README's line.
            assertEquals(List.of("s0 one shard key of events; bucket 6 of 12"), rows(c, "EXPLAIN ROUTE SELECT * FROM events WHERE id = 42"));
            assertEquals(List.of("click " + EVENTS / 2, "view " + EVENTS / 2),
                    rows(c, "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind"));
            assertEquals(List.of("view"), rows(c, "SELECT kind FROM events WHERE id = 42"));
        }
        try (Connection console = DriverManager.getConnection(Pgjdbc.url(proxy, "pgsteer"), "ops", "app-secret")) {
            List<String> buckets = rows(console, "SHOW BUCKETS").stream().filter(r -> r.startsWith("analytics ")).toList();
            assertEquals(12, buckets.size(), buckets.toString());
        }
    }

    @Test
    void aTenantSessionCannotReachTheBigTables() throws SQLException {
        // events lives in analytics' backend database: not on a tenant's search_path on any shard.
        try (Connection c = tenant("acme")) {
            SQLException e = assertThrows(SQLException.class, () -> rows(c, "SELECT count(*) FROM events"));
            assertEquals("42P01", e.getSQLState());
        }
    }

    /** The remainder PostgreSQL's hash partitioning gives bigint key {@code id} in modulus 12. */
    private static int bucketOf(long id) throws SQLException {
        List<String> r = rows(shards.get(0), "bigdb", "SELECT r FROM generate_series(0, 11) r"
                + " WHERE satisfies_hash_partition('by_bigint'::regclass, 12, r, " + id + "::bigint)");
        assertEquals(1, r.size(), "one remainder for " + id);
        return Integer.parseInt(r.getFirst());
    }
}
