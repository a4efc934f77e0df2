package dev.pgsteer.proxy.tenant;

import static dev.pgsteer.proxy.tenant.TenancyIT.items;
import static dev.pgsteer.proxy.tenant.TenancyIT.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.RolelessTenants;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.proxy.testkit.TenantCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every tenant has its own role by default, and PostgreSQL itself, not pgsteer's lexical guard,
 * keeps it from other tenants' data. The attempts here are assembled at run time (EXECUTE of
 * concatenated text), which no lexical guard can follow: what stops them is the role's grants.
 */
class TenantRolesIT {
    @TempDir
    static Path dir;
    private static TenantCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        Path template = dir.resolve("tenant-template.sql");
        Files.writeString(template, """
                CREATE TABLE notes (id int PRIMARY KEY, body text);
                INSERT INTO notes VALUES (1, 'welcome');
                """);
        cluster = new TenantCluster(", template: \"" + template + "\"", "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static List<String> console(String command) throws SQLException {
        try (Connection c = cluster.connect("admin", "pgsteer", null)) {
            return items(c, command);
        }
    }

    /** The SQLSTATE of {@code sql} run through pgsteer as a DO block that builds its statement at run time. */
    private static String assembled(Connection c, String sql) {
        String[] halves = {sql.substring(0, sql.length() / 2), sql.substring(sql.length() / 2)};
        return TenancyIT.sqlState(c, "DO $$ BEGIN EXECUTE " + quote(halves[0]) + " || " + quote(halves[1]) + "; END $$");
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static TenantConfig tenant(String id) {
        return cluster.proxy.context().tenants().find(id).orElseThrow();
    }

    @Test
    void createTenantMakesARoleNamedAfterTheTenantThatOwnsItsSchema() throws Exception {
        console("CREATE TENANT ra MODE schema ON s0");
        console("CREATE TENANT rb MODE schema ON s0");
        assertEquals("ra", tenant("ra").role());
        assertTrue(tenant("ra").rolePassword().length() >= 20, "a password pgsteer made");
        try (Connection c = cluster.connect("ra")) {
            assertEquals("ra", one(c, "SELECT current_user"));
            assertEquals("welcome", one(c, "SELECT body FROM notes"));
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cluster.s0.port() + "/appdb",
                "postgres", "")) {
            assertEquals("ra", one(c, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'ra'"));
            assertEquals("ra", one(c, "SELECT tableowner FROM pg_tables WHERE schemaname = 'ra' AND tablename = 'notes'"));
            assertEquals("f", one(c, "SELECT has_schema_privilege('ra', 'rb', 'USAGE')"));
            assertEquals("f", one(c, "SELECT rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = 'ra'"));
        }
    }

    @Test
    void aSchemaTenantsRoleCannotReadWriteOrEnterAnotherTenantsSchema() throws Exception {
        console("CREATE TENANT rc MODE schema ON s0");
        console("CREATE TENANT rd MODE schema ON s0");
        try (Connection c = cluster.connect("rc")) {
            assertEquals("42501", assembled(c, "SELECT * FROM rd.notes"));
            assertEquals("42501", assembled(c, "DELETE FROM rd.notes"));
            assertEquals("42501", assembled(c, "SELECT * FROM beta.orders"));     // a tenant without a role, owned by the backend login
            assertEquals("42501", assembled(c, "SELECT * FROM acme.orders"));     // a tenant with a role of its own
            assertEquals("42501", assembled(c, "CREATE TABLE public.planted (x int)"));
        }
        try (Connection c = cluster.connect("rd")) {
            assertEquals("welcome", one(c, "SELECT body FROM notes"));
            assertEquals("1", one(c, "SELECT count(*) FROM notes"));
        }
    }

    @Test
    void aDatabaseTenantsRoleMayConnectToItsOwnDatabaseOnly() throws Exception {
        console("CREATE TENANT re MODE database ON s0");
        console("CREATE TENANT rf MODE database ON s0");
        try (Connection c = cluster.connect("re")) {
            assertEquals("re", one(c, "SELECT current_user"));
            assertEquals("welcome", one(c, "SELECT body FROM notes"));
        }
        String url = "jdbc:postgresql://127.0.0.1:" + cluster.s0.port() + "/";
        SQLException refused = assertThrows(SQLException.class,
                () -> DriverManager.getConnection(url + "rf", "re", tenant("re").rolePassword()).close());
        assertEquals("42501", refused.getSQLState(), refused.getMessage());
        DriverManager.getConnection(url + "re", "re", tenant("re").rolePassword()).close();
        try (Connection c = DriverManager.getConnection(url + "appdb", "postgres", "")) {
            assertEquals("f", one(c, "SELECT has_database_privilege('public', 'rf', 'CONNECT')"));
        }
    }

    @Test
    void aSharedTenantsRoleUsesTheSharedTablesWithoutOwningThemAndSeesOnlyWhatAPolicyGivesIt() throws Exception {
        console("CREATE TENANT rg MODE shared ON s1");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cluster.s1.port() + "/appdb",
                "postgres", "")) {
            assertEquals("app", one(c, "SELECT tableowner FROM pg_tables WHERE tablename = 'orders'"));
            assertEquals("t", one(c, "SELECT has_table_privilege('rg', 'public.orders', 'SELECT')"));
            assertEquals("f", one(c, "SELECT has_table_privilege('rg', 'public.orders', 'TRIGGER')"));
        }
        try (Connection c = cluster.connect("rg")) {
            // No policy names rg yet: row-level security denies every row, whatever the tenancy setting says.
            assertEquals("0", one(c, "SELECT count(*) FROM orders"));
            try (Statement s = c.createStatement()) {
                s.execute("DO $$ BEGIN EXECUTE 'SET app.tenant' || chr(95) || 'id = globex'; END $$");
            }
            assertEquals("0", one(c, "SELECT count(*) FROM orders"));
        }
    }

    @Test
    void noRoleMakesATenantThatRunsAsTheBackendLoginAndSaysSo() throws Exception {
        List<String> done = console("CREATE TENANT rh MODE schema ON s0 NO ROLE");
        try (Connection c = cluster.connect("admin", "pgsteer", null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("CREATE TENANT ri MODE schema ON s0 NO ROLE")) {
            StringBuilder lines = new StringBuilder();
            while (rs.next()) {
                lines.append(rs.getString("done")).append('\n');
            }
            assertTrue(lines.toString().contains("WARNING: " + RolelessTenants.NO_ROLE), lines.toString());
        }
        assertTrue(done.size() >= 2, done.toString());
        assertNull(tenant("rh").role());
        try (Connection c = cluster.connect("rh")) {
            assertEquals("app", one(c, "SELECT current_user"));
        }
        try (Connection c = cluster.connect("admin", "pgsteer", null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW TENANTS")) {
            int seen = 0;
            while (rs.next()) {
                String warning = rs.getString("warning");
                if (rs.getString("tenant").equals("rh") || rs.getString("tenant").equals("beta")) {
                    assertEquals(RolelessTenants.NO_ROLE, warning);
                    seen++;
                } else if (rs.getString("tenant").equals("acme")) {
                    assertNull(warning);
                    seen++;
                }
            }
            assertEquals(3, seen);
        }
    }

    @Test
    void migrateRunsAsTheTenantsRoleSoATriggerTheTenantPlantedReachesNothingOutsideIt() throws Exception {
        console("CREATE TENANT mallory MODE schema ON s0");
        String url = "jdbc:postgresql://127.0.0.1:" + cluster.s0.port() + "/appdb";
        // The tenant plants it as itself, by whatever route: a trigger that, when a migration writes to
        // its table, tries to become the session's login again, copy beta's rows and wipe delta's and acme's.
        try (Connection c = DriverManager.getConnection(url, "mallory", tenant("mallory").rolePassword());
             Statement s = c.createStatement()) {
            s.execute("SET search_path = mallory");
            s.execute("CREATE TABLE loot (item text)");
            s.execute("""
                    CREATE FUNCTION steal() RETURNS trigger LANGUAGE plpgsql AS $f$
                    BEGIN
                      BEGIN EXECUTE 'RESET ROLE'; EXCEPTION WHEN OTHERS THEN NULL; END;
                      BEGIN INSERT INTO mallory.loot SELECT item FROM beta.orders; EXCEPTION WHEN OTHERS THEN NULL; END;
                      BEGIN DELETE FROM delta.orders; EXCEPTION WHEN OTHERS THEN NULL; END;
                      BEGIN UPDATE acme.orders SET item = 'pwned'; EXCEPTION WHEN OTHERS THEN NULL; END;
                      RETURN NEW;
                    END $f$""");
            s.execute("CREATE TRIGGER steal BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION steal()");
        }
        Path migration = Files.writeString(dir.resolve("touch-notes.sql"), "INSERT INTO notes VALUES (2, 'migrated');");
        try (Connection c = cluster.connect("admin", "pgsteer", null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("MIGRATE '" + migration + "' TENANTS mallory")) {
            rs.next();
            assertEquals("ok", rs.getString("status"), rs.getString("detail"));
        }
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            assertEquals("migrated", one(c, "SELECT body FROM mallory.notes WHERE id = 2"));
            assertEquals("0", one(c, "SELECT count(*) FROM mallory.loot"));
            assertEquals("2", one(c, "SELECT count(*) FROM delta.orders"));
            assertEquals("0", one(c, "SELECT count(*) FROM acme.orders WHERE item = 'pwned'"));
        }
    }
}
