package dev.pgsteer.proxy.testkit;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

/**
 * Two PostgreSQL servers, s0 and s1, behind pgsteer serving the tenant database {@code saas}, with a
 * tenant of each mode, each holding rows of {@code orders} whose {@code item} starts with its name:
 * <ul>
 *   <li>{@code acme}: schema {@code acme} on s0, its own login role {@code acme};</li>
 *   <li>{@code beta}, {@code delta}: schemas {@code beta} and {@code delta} on s0, no role (one pool, the backend user's);</li>
 *   <li>{@code globex}, {@code umbrella}: shared table {@code public.orders} on s1, row-level security by {@code app.tenant_id};</li>
 *   <li>{@code hooli}: shared on s1 with its own login role {@code hooli};</li>
 *   <li>{@code initech}: its own database {@code initech_db} on s0.</li>
 * </ul>
 * Users: {@code app} names its tenant; {@code <tenant>_app} is pinned to that tenant (acme_app, beta_app, ...);
 * {@code admin} is an admin.
 * Every pool has one connection, so consecutive sessions share it: what one tenant leaves on it,
 * the next would see.
 */
public final class TenantCluster implements AutoCloseable {
    public static final String PASSWORD = "secret";

    public final EmbeddedBackend s0;
    public final EmbeddedBackend s1;
    public final PgSteerServer proxy;
    /** The configuration the proxy runs, for a second instance beside it. */
    public final String yaml;

    public TenantCluster() throws Exception {
        this("", "");
    }

    /**
     * With {@code tenancyExtra} added to the tenancy of {@code saas} (", template: /path") and
     * {@code extraYaml} appended to the configuration (more tenants, users, a metadata store).
     */
    public TenantCluster(String tenancyExtra, String extraYaml) throws Exception {
        s0 = EmbeddedBackend.start();
        s1 = EmbeddedBackend.start();
        try {
            seed();
            String yaml = """
                    listen: 127.0.0.1:0
                    http: off
                    users:
                      app: { password: %1$s }
                      acme_app: { password: %1$s, tenant: acme }
                      beta_app: { password: %1$s, tenant: beta }
                      delta_app: { password: %1$s, tenant: delta }
                      globex_app: { password: %1$s, tenant: globex }
                      umbrella_app: { password: %1$s, tenant: umbrella }
                      hooli_app: { password: %1$s, tenant: hooli }
                      initech_app: { password: %1$s, tenant: initech }
                      admin: { password: %1$s, admin: true }
                    backends:
                      s0: { url: "%2$s" }
                      s1: { url: "%3$s" }
                    databases:
                      saas:
                        shards: [s0, s1]
                        tenancy: { setting: app.tenant_id, shared_schemas: [public]%4$s }
                        pool: { size: 1 }
                    tenants:
                      acme:     { database: saas, mode: schema, shard: s0, schema: acme, role: acme, role_password: acme-secret }
                      beta:     { database: saas, mode: schema, shard: s0 }
                      delta:    { database: saas, mode: schema, shard: s0 }
                      globex:   { database: saas, mode: shared, shard: s1 }
                      umbrella: { database: saas, mode: shared, shard: s1 }
                      hooli:    { database: saas, mode: shared, shard: s1, role: hooli, role_password: hooli-secret }
                      initech:  { database: saas, mode: database, backend: initech_db }
                    """.formatted(PASSWORD, s0.url(), s1.url(), tenancyExtra) + extraYaml;
            this.yaml = yaml;
            proxy = another();
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** A further pgsteer instance with the same configuration; the caller closes it. */
    public PgSteerServer another() throws InterruptedException {
        return new PgSteerServer(ConfigLoader.parse(yaml, "saas.yaml", Map.of())).start();
    }

    private void seed() throws SQLException {
        try (Connection admin = s0.admin(); Statement s = admin.createStatement()) {
            s.execute("CREATE ROLE acme LOGIN PASSWORD 'acme-secret'");
            // CREATE TENANT makes schemas, databases and roles as the backend's own login.
            s.execute("ALTER ROLE app CREATEDB CREATEROLE");
            s.execute("CREATE DATABASE initech_db OWNER app");
        }
        try (Connection c = DriverManager.getConnection(Pgjdbc.url(s0.port(), "appdb"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC");
            s.execute("GRANT USAGE ON SCHEMA public TO PUBLIC");
            s.execute("CREATE TABLE public.plans (name text)");
            s.execute("INSERT INTO public.plans VALUES ('basic'), ('pro')");
            s.execute("GRANT SELECT ON public.plans TO PUBLIC");
            for (String tenant : new String[] {"acme", "beta", "delta"}) {
                s.execute("CREATE SCHEMA " + tenant + " AUTHORIZATION app");
                s.execute("CREATE TABLE " + tenant + ".orders (id int PRIMARY KEY, item text)");
                s.execute("ALTER TABLE " + tenant + ".orders OWNER TO app");
                s.execute("INSERT INTO " + tenant + ".orders VALUES (1, '" + tenant + "-1'), (2, '" + tenant + "-2')");
            }
            s.execute("GRANT USAGE ON SCHEMA acme TO acme");
            s.execute("GRANT ALL ON acme.orders TO acme");
        }
        try (Connection c = DriverManager.getConnection(Pgjdbc.url(s0.port(), "initech_db"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id int PRIMARY KEY, item text)");
            s.execute("ALTER TABLE orders OWNER TO app");
            s.execute("INSERT INTO orders VALUES (1, 'initech-1')");
        }
        try (Connection admin = s1.admin(); Statement s = admin.createStatement()) {
            s.execute("CREATE ROLE hooli LOGIN PASSWORD 'hooli-secret'");
            s.execute("ALTER ROLE app CREATEDB CREATEROLE");
        }
        try (Connection c = DriverManager.getConnection(Pgjdbc.url(s1.port(), "appdb"), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE public.orders (tenant_id text NOT NULL DEFAULT current_setting('app.tenant_id'), "
                    + "id int, item text, PRIMARY KEY (tenant_id, id))");
            s.execute("ALTER TABLE public.orders OWNER TO app");
            s.execute("ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY");
            s.execute("ALTER TABLE public.orders FORCE ROW LEVEL SECURITY");
            s.execute("CREATE POLICY tenant_rows ON public.orders TO app USING (tenant_id = current_setting('app.tenant_id', true)) "
                    + "WITH CHECK (tenant_id = current_setting('app.tenant_id', true))");
            s.execute("CREATE POLICY own_role ON public.orders TO hooli USING (tenant_id = current_user) "
                    + "WITH CHECK (tenant_id = current_user)");
            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON public.orders TO hooli");
            s.execute("CREATE TABLE public.plans (name text)");
            s.execute("INSERT INTO public.plans VALUES ('basic'), ('pro')");
            s.execute("GRANT SELECT ON public.plans TO PUBLIC");
            for (String tenant : new String[] {"globex", "umbrella", "hooli"}) {
                s.execute("INSERT INTO public.orders VALUES ('" + tenant + "', 1, '" + tenant + "-1'), ('" + tenant + "', 2, '"
                        + tenant + "-2')");
            }
        }
    }

    public int port() {
        return proxy.address().getPort();
    }

    /** A pgjdbc connection to {@code database} as {@code user}, with {@code tenant} in the startup options (null: none). */
    public Connection connect(String user, String database, String tenant) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", PASSWORD);
        if (tenant != null) {
            props.setProperty("options", "-c pgsteer.tenant=" + tenant);
        }
        return DriverManager.getConnection(Pgjdbc.url(port(), database), props);
    }

    public Connection connect(String tenant) throws SQLException {
        return connect("app", "saas", tenant);
    }

    @Override
    public void close() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (s0 != null) {
            s0.close();
        }
        if (s1 != null) {
            s1.close();
        }
    }
}
