package dev.pgsteer.proxy.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The embedded default's tenant database {@code saas}: one tenant of each mode, each with rows of
 * {@code projects} named after it: {@code acme} in schema acme on s0 (own login role acme),
 * {@code globex} in the shared table public.projects on s1 (row-level security by
 * {@code app.tenant_id}), {@code initech} in its own database initech_db on s2. New tenants get the
 * template: a {@code projects} table. Made directly on the servers, idempotently, at every start.
 */
final class DemoTenants {
    static final String DATABASE = "saas";
    static final String TEMPLATE = """
            CREATE TABLE IF NOT EXISTS projects (id int PRIMARY KEY, name text NOT NULL);
            """;

    /** The configuration's part: the database with tenancy (at two spaces) and the tenants (top level). */
    static String databaseYaml(String templatePath) {
        return """
                  %s:
                    shards: [s0, s1, s2]
                    backend_database: %s
                    tenancy: { setting: app.tenant_id, shared_schemas: [public], template: "%s" }
                """.formatted(DATABASE, DATABASE, templatePath.replace("\\", "\\\\").replace("\"", "\\\""));
    }

    static final String TENANTS_YAML = """
            tenants:
              acme:    { database: saas, mode: schema, shard: s0, schema: acme, role: acme, role_password: acme }
              globex:  { database: saas, mode: shared, shard: s1 }
              initech: { database: saas, mode: database, shard: s2, backend: initech_db }
            """;

    private DemoTenants() {
    }

    /** On shard {@code index} (0, 1, 2) at {@code port}: its tenant's data. {@code admin} is the superuser's connection. */
    static void provision(int index, int port, Connection admin, String user, String password) throws SQLException {
        try (Statement s = admin.createStatement()) {
            // The demo user makes schemas, databases and roles for CREATE TENANT in the admin console.
            s.execute("ALTER ROLE " + user + " CREATEDB CREATEROLE");
            if (!exists(admin, "SELECT 1 FROM pg_database WHERE datname = ?", DATABASE)) {
                s.execute("CREATE DATABASE " + DATABASE + " OWNER " + user);
            }
            if (index == 0 && !exists(admin, "SELECT 1 FROM pg_roles WHERE rolname = ?", "acme")) {
                s.execute("CREATE ROLE acme LOGIN PASSWORD 'acme'");
            }
            if (index == 2 && !exists(admin, "SELECT 1 FROM pg_database WHERE datname = ?", "initech_db")) {
                s.execute("CREATE DATABASE initech_db OWNER " + user);
            }
        }
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/";
        switch (index) {
            case 0 -> run(url + DATABASE, user, password, List.of(
                    "CREATE SCHEMA IF NOT EXISTS acme",
                    "CREATE TABLE IF NOT EXISTS acme.projects (id int PRIMARY KEY, name text NOT NULL)",
                    "INSERT INTO acme.projects VALUES (1, 'acme rocket'), (2, 'acme anvil') ON CONFLICT DO NOTHING",
                    "GRANT USAGE ON SCHEMA acme TO acme",
                    "GRANT ALL ON ALL TABLES IN SCHEMA acme TO acme"));
            case 1 -> {
                run(url + DATABASE, user, password, List.of(
                    "CREATE TABLE IF NOT EXISTS projects (tenant_id text NOT NULL DEFAULT current_setting('app.tenant_id'), "
                            + "id int, name text NOT NULL, PRIMARY KEY (tenant_id, id))",
                    "ALTER TABLE projects ENABLE ROW LEVEL SECURITY",
                    // The table's owner (the demo user pgsteer logs in as) is bound by the policy too.
                    "ALTER TABLE projects FORCE ROW LEVEL SECURITY",
                    "DROP POLICY IF EXISTS tenant_rows ON projects",
                    "CREATE POLICY tenant_rows ON projects USING (tenant_id = current_setting('app.tenant_id', true)) "
                            + "WITH CHECK (tenant_id = current_setting('app.tenant_id', true))"));
                // As the superuser, whom row-level security does not bind: the rows of two tenants.
                run(url + DATABASE, "postgres", "", List.of(
                    "INSERT INTO projects VALUES ('globex', 1, 'globex dome'), ('globex', 2, 'globex volcano lair'), "
                            + "('hooli', 1, 'a row of another tenant sharing the table') ON CONFLICT DO NOTHING"));
            }
            case 2 -> run(url + "initech_db", user, password, List.of(
                    "CREATE TABLE IF NOT EXISTS projects (id int PRIMARY KEY, name text NOT NULL)",
                    "INSERT INTO projects VALUES (1, 'initech tps reports') ON CONFLICT DO NOTHING"));
            default -> {
            }
        }
    }

    private static void run(String url, String user, String password, List<String> statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private static boolean exists(Connection connection, String sql, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }
}
