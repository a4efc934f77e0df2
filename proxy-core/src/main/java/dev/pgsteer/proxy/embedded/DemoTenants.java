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
 * {@code projects} named after it and its own login role (named after it, password = its name), so
 * that PostgreSQL itself keeps them apart: {@code acme} owns schema acme on s0, {@code globex} uses
 * the shared table public.projects on s1 (which it does not own; a row-level security policy by
 * {@code current_user}), {@code initech} may connect to its own database initech_db on s2 only.
 * New tenants get the template: a {@code projects} table. Made directly on the servers,
 * idempotently, at every start (a data folder from before tenants had roles is brought up to date).
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
              globex:  { database: saas, mode: shared, shard: s1, role: globex, role_password: globex }
              initech: { database: saas, mode: database, shard: s2, backend: initech_db, role: initech, role_password: initech }
            """;

    private DemoTenants() {
    }

    /** On shard {@code index} (0, 1, 2) at {@code port}: its tenant's data. {@code admin} is the superuser's connection. */
    static void provision(int index, int port, Connection admin, String user, String password) throws SQLException {
        boolean fresh;
        try (Statement s = admin.createStatement()) {
            // The demo user makes schemas, databases and roles for CREATE TENANT in the admin console.
            s.execute("ALTER ROLE " + user + " CREATEDB CREATEROLE");
            if (!exists(admin, "SELECT 1 FROM pg_database WHERE datname = ?", DATABASE)) {
                s.execute("CREATE DATABASE " + DATABASE + " OWNER " + user);
            }
            String tenant = List.of("acme", "globex", "initech").get(index);
            fresh = !exists(admin, "SELECT 1 FROM pg_roles WHERE rolname = ?", tenant);
            if (fresh) {
                s.execute("CREATE ROLE " + tenant + " LOGIN PASSWORD '" + tenant + "'");
            }
            if (index == 0) {
                // MOVE TENANT acme (README "Move a tenant"): the demo user publishes acme's tables as their owner may.
                s.execute("GRANT acme TO " + user);
            }
            if (index == 2 && !exists(admin, "SELECT 1 FROM pg_database WHERE datname = ?", "initech_db")) {
                s.execute("CREATE DATABASE initech_db OWNER " + user);
            }
        }
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/";
        switch (index) {
            // As the superuser: the schema and its table belong to acme, which no other tenant's role may use. Made
            // with acme's role only: once acme has moved to another shard (MOVE TENANT), its schema is not s0's again.
            case 0 -> run(url + DATABASE, "postgres", "", !fresh ? List.of() : List.of(
                    "CREATE SCHEMA IF NOT EXISTS acme AUTHORIZATION acme",
                    "ALTER SCHEMA acme OWNER TO acme",
                    "CREATE TABLE IF NOT EXISTS acme.projects (id int PRIMARY KEY, name text NOT NULL)",
                    "ALTER TABLE acme.projects OWNER TO acme",
                    "INSERT INTO acme.projects VALUES (1, 'acme rocket'), (2, 'acme anvil') ON CONFLICT DO NOTHING"));
            case 1 -> {
                run(url + DATABASE, user, password, List.of(
                    "CREATE TABLE IF NOT EXISTS projects (tenant_id text NOT NULL DEFAULT current_user, "
                            + "id int, name text NOT NULL, PRIMARY KEY (tenant_id, id))",
                    "ALTER TABLE projects ALTER COLUMN tenant_id SET DEFAULT current_user",
                    "ALTER TABLE projects ENABLE ROW LEVEL SECURITY",
                    // The table's owner (the demo user pgsteer logs in as) is bound by the policy too.
                    "ALTER TABLE projects FORCE ROW LEVEL SECURITY",
                    "DROP POLICY IF EXISTS tenant_rows ON projects",
                    // By the role, not by a setting: no SET, however it is spelt, widens it.
                    "CREATE POLICY tenant_rows ON projects USING (tenant_id = current_user) WITH CHECK (tenant_id = current_user)",
                    // globex uses the shared table; the demo user keeps owning it.
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO globex"));
                // As the superuser, whom row-level security does not bind: the rows of two tenants.
                run(url + DATABASE, "postgres", "", List.of(
                    "INSERT INTO projects VALUES ('globex', 1, 'globex dome'), ('globex', 2, 'globex volcano lair'), "
                            + "('hooli', 1, 'a row of another tenant sharing the table') ON CONFLICT DO NOTHING"));
            }
            case 2 -> run(url + "initech_db", "postgres", "", List.of(
                    // Only initech (and the demo user, its owner) may connect to initech's database.
                    "REVOKE CONNECT, TEMPORARY ON DATABASE initech_db FROM PUBLIC",
                    "GRANT CONNECT, TEMPORARY ON DATABASE initech_db TO initech",
                    "GRANT USAGE, CREATE ON SCHEMA public TO initech",
                    "CREATE TABLE IF NOT EXISTS projects (id int PRIMARY KEY, name text NOT NULL)",
                    "ALTER TABLE projects OWNER TO initech",
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
