package dev.pgsteer.proxy.tenant;

import static dev.pgsteer.proxy.tenant.TenancyIT.items;
import static dev.pgsteer.proxy.tenant.TenancyIT.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.MetadataStores;
import dev.pgsteer.proxy.tenant.control.MigrateCommand;
import dev.pgsteer.proxy.testkit.TenantCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin console's tenant commands, the tenant template and MIGRATE, against real PostgreSQL. */
class TenantAdminIT {
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

    private static Connection console() throws SQLException {
        return cluster.connect("admin", "pgsteer", null);
    }

    private static List<String> run(String command) throws SQLException {
        try (Connection c = console()) {
            return items(c, command);
        }
    }

    private static String refusal(String command) {
        SQLException e = assertThrows(SQLException.class, () -> run(command), command);
        return e.getSQLState();
    }

    @Test
    void createTenantMakesTheSchemaTheRoleAndAppliesTheTemplate() throws Exception {
        List<String> done = run("CREATE TENANT zeta MODE schema ON s0 ROLE zeta PASSWORD 'zeta-secret'");
        assertTrue(done.size() >= 3, done.toString());
        try (Connection c = cluster.connect("zeta")) {
            assertEquals("welcome", one(c, "SELECT body FROM notes"));
            assertEquals("zeta", one(c, "SELECT current_user"));
            c.createStatement().executeUpdate("INSERT INTO notes VALUES (2, 'mine')");
        }
        try (Connection c = cluster.connect("beta")) {
            assertEquals("42P01", TenancyIT.sqlState(c, "SELECT body FROM notes"));
        }
        assertTrue(run("SHOW TENANTS").contains("zeta"));
        assertEquals("42710", refusal("CREATE TENANT zeta MODE schema"));
    }

    @Test
    void aDatabaseTenantGetsItsOwnDatabaseAndDropCascadeRemovesIt() throws Exception {
        run("CREATE TENANT omega MODE database");
        try (Connection c = cluster.connect("omega")) {
            assertEquals("welcome", one(c, "SELECT body FROM notes"));
            assertEquals("omega", one(c, "SELECT current_database()"));
        }
        run("DROP TENANT omega CASCADE");
        SQLException gone = assertThrows(SQLException.class, () -> cluster.connect("omega").close());
        assertEquals("3D000", gone.getSQLState());
        try (Connection c = cluster.s0.admin()) {
            assertEquals(List.of(), items(c, "SELECT datname FROM pg_database WHERE datname = 'omega'"));
        }
    }

    @Test
    void aReadOnlyTenantReadsButCannotWrite() throws Exception {
        run("CREATE TENANT rho MODE schema");
        run("ALTER TENANT rho SET READ ONLY");
        try (Connection c = cluster.connect("rho"); Statement s = c.createStatement()) {
            assertEquals("welcome", one(c, "SELECT body FROM notes"));
            SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate("INSERT INTO notes VALUES (3, 'x')"));
            assertEquals("25006", e.getSQLState());
            assertEquals("42501", TenancyIT.sqlState(c, "SET default_transaction_read_only = off"));
        }
        run("ALTER TENANT rho SET READ WRITE");
        try (Connection c = cluster.connect("rho"); Statement s = c.createStatement()) {
            assertEquals(1, s.executeUpdate("INSERT INTO notes VALUES (3, 'x')"));
        }
    }

    @Test
    void migrateRunsAFileForEachTenantAndStopsAtTheFirstFailure() throws Exception {
        run("CREATE TENANT mu MODE schema");
        run("CREATE TENANT nu MODE schema");
        Path good = Files.writeString(dir.resolve("add-tag.sql"), "ALTER TABLE notes ADD COLUMN tag text DEFAULT 'new';");
        try (Connection c = console()) {
            assertEquals(List.of("mu", "nu"), items(c, "MIGRATE '" + good + "' TENANTS mu, nu"));
        }
        for (String tenant : List.of("mu", "nu")) {
            try (Connection c = cluster.connect(tenant)) {
                assertEquals("new", one(c, "SELECT tag FROM notes WHERE id = 1"));
            }
        }
        Path bad = Files.writeString(dir.resolve("bad.sql"), "ALTER TABLE notes ADD COLUMN tag text;");
        try (Connection c = console(); Statement s = c.createStatement();
             var rs = s.executeQuery("MIGRATE '" + bad + "' TENANTS mu, nu")) {
            rs.next();
            assertEquals("failed", rs.getString("status"));
            assertTrue(rs.getString("detail").contains("already exists"), rs.getString("detail"));
            rs.next();
            assertEquals("skipped", rs.getString("status"));
        }
    }

    @Test
    void pgsteerMigrateRunsAFileFromTheCommandLine() throws Exception {
        Path config = Files.writeString(dir.resolve("saas.yaml"), cluster.yaml);
        Path file = Files.writeString(dir.resolve("cli.sql"), "CREATE TABLE IF NOT EXISTS audit (at timestamptz DEFAULT now());");
        var output = new ByteArrayOutputStream();
        int exit = MigrateCommand.run(file, ConfigLoader.load(config), MetadataStores::open, List.of("beta", "globex", "umbrella"),
                new PrintStream(output, true));
        String printed = output.toString();
        assertEquals(0, exit, printed);
        assertTrue(printed.contains("beta\ts0/schema beta\tok"), printed);
        assertTrue(printed.contains("umbrella\ts1/shared\tok\tshared tables, migrated with globex"), printed);
        try (Connection c = cluster.connect("beta")) {
            assertEquals("0", one(c, "SELECT count(*) FROM audit"));
        }
    }

    @Test
    void mistakesGetTheSyntaxOrTheReason() {
        assertEquals("42601", refusal("CREATE TENANT x"));
        assertEquals("22023", refusal("CREATE TENANT x MODE sideways"));
        assertEquals("42704", refusal("CREATE TENANT x MODE schema ON s9"));
        assertEquals("3D000", refusal("DROP TENANT nosuch"));
        assertEquals("58P01", refusal("MIGRATE '/nonexistent/file.sql'"));
    }
}
