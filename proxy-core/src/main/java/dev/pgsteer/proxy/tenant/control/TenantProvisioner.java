package dev.pgsteer.proxy.tenant.control;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenancyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.config.store.BackendJdbc;
import dev.pgsteer.router.placement.TenantPlacement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Makes on its server what a new tenant needs, as the backend's own login: its role (if it has one),
 * its schema or database, the database's tenant template applied there, and the grants that let
 * the role use it and nothing else. Undoes it for DROP TENANT ... CASCADE. Blocking JDBC: never call
 * it on an event loop.
 */
final class TenantProvisioner {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final String APPLICATION = "pgsteer tenant provisioning";

    private final ProxyConfig config;

    TenantProvisioner(ProxyConfig config) {
        this.config = config;
    }

    /** What was done, one line each, for the console. */
    List<String> provision(TenantConfig tenant) throws SQLException {
        List<String> done = new ArrayList<>();
        TenantPlacement placement = TenantPlacement.of(config, tenant);
        DatabaseConfig db = config.databases().get(tenant.database());
        TenancyConfig tenancy = db.tenancy();
        String ownerDatabase = tenant.mode() == TenantMode.DATABASE ? serverDatabase(placement) : placement.database();
        String role = tenant.role() == null ? null : Sql.identifier(tenant.role());
        if (role != null) {
            try (Connection c = connect(placement.owner(ownerDatabase))) {
                done.addAll(TenantRole.ensure(c, tenant));
            }
        }
        switch (tenant.mode()) {
            case SCHEMA -> {
                try (Connection c = connect(placement.owner(placement.database())); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    String schema = Sql.identifier(tenant.schema());
                    boolean existed = exists(c, "SELECT 1 FROM pg_namespace WHERE nspname = ?", tenant.schema());
                    if (role != null && !existed) {
                        // The role owns its schema, so what it makes there is its own and no other role's.
                        // (AUTHORIZATION at creation: a later ALTER ... OWNER would need CREATE on the database for the role.)
                        s.execute("CREATE SCHEMA " + schema + " AUTHORIZATION " + role);
                    } else if (role != null) {
                        grantSchema(s, schema, role);
                        done.add("schema " + tenant.schema() + " existed: kept its owner, granted " + tenant.role() + " its use");
                    } else {
                        s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                    }
                    if (existed) {
                        // Nobody but its owner (and whom it grants) uses a tenant's schema; a new one has no PUBLIC grant.
                        s.execute("REVOKE ALL ON SCHEMA " + schema + " FROM PUBLIC");
                    }
                    done.addAll(closeSharedSchemas(c, tenancy));
                    s.execute("SET LOCAL search_path TO " + Tenants.searchPath(tenant.schema(), tenancy));
                    asTenant(s, role, () -> applyTemplate(s, tenancy, done));
                    c.commit();
                    done.add("created schema " + tenant.schema() + " in " + placement.server().name() + "/" + placement.database()
                            + (role == null || existed ? "" : ", owned by " + tenant.role()));
                }
            }
            case DATABASE -> {
                try (Connection c = connect(placement.owner(ownerDatabase)); Statement s = c.createStatement()) {
                    String database = Sql.identifier(placement.database());
                    if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", placement.database())) {
                        s.execute("CREATE DATABASE " + database);
                        // Only roles granted CONNECT reach a database pgsteer made: not other tenants' roles.
                        s.execute("REVOKE CONNECT, TEMPORARY ON DATABASE " + database + " FROM PUBLIC");
                        done.add("created database " + placement.database() + " on " + placement.server().name()
                                + ", CONNECT revoked from PUBLIC");
                    }
                    if (role != null) {
                        s.execute("GRANT CONNECT, TEMPORARY ON DATABASE " + database + " TO " + role);
                    }
                }
                try (Connection c = connect(placement.owner(placement.database())); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    if (role != null) {
                        grantSchema(s, "public", role);
                    }
                    asTenant(s, role, () -> applyTemplate(s, tenancy, done));
                    c.commit();
                }
            }
            case SHARED -> {
                try (Connection c = connect(placement.owner(placement.database())); Statement s = c.createStatement()) {
                    done.addAll(closeSharedSchemas(c, tenancy));
                    if (role != null) {
                        for (String shared : tenancy.sharedSchemas()) {
                            String schema = Sql.identifier(shared);
                            s.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
                            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
                            s.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role);
                            // Shared tables the operator makes later (MIGRATE, as the backend login) are the tenant's to use too.
                            s.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema
                                    + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + role);
                            s.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " GRANT USAGE ON SEQUENCES TO " + role);
                        }
                        done.add("granted " + tenant.role() + " the shared schemas' tables (not their ownership); "
                                + "row-level security policies by current_user decide which rows it sees");
                    }
                }
            }
        }
        return done;
    }

    /**
     * Takes CREATE on the shared schemas from PUBLIC where it still has it (PostgreSQL before 15):
     * an object a tenant made there would be found on every other tenant's search path.
     */
    private static List<String> closeSharedSchemas(Connection c, TenancyConfig tenancy) throws SQLException {
        List<String> done = new ArrayList<>();
        for (String shared : tenancy.sharedSchemas()) {
            if (exists(c, "SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = ? AND a.grantee = 0 "
                    + "AND a.privilege_type = 'CREATE'", shared)) {
                try (Statement s = c.createStatement()) {
                    s.execute("REVOKE CREATE ON SCHEMA " + Sql.identifier(shared) + " FROM PUBLIC");
                }
                done.add("revoked CREATE on schema " + shared + " from PUBLIC");
            }
        }
        return done;
    }

    private interface SqlStep {
        void run() throws SQLException;
    }

    /** Runs {@code step} as the tenant's role (when it has one), so what it makes is the tenant's own. */
    private static void asTenant(Statement s, String role, SqlStep step) throws SQLException {
        if (role != null) {
            s.execute("SET LOCAL ROLE " + role);
        }
        step.run();
        if (role != null) {
            s.execute("RESET ROLE");
        }
    }

    private static void grantSchema(Statement s, String schema, String role) throws SQLException {
        s.execute("GRANT USAGE, CREATE ON SCHEMA " + schema + " TO " + role);
        s.execute("GRANT ALL ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
        s.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role);
        s.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " GRANT ALL ON TABLES TO " + role);
        s.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " GRANT ALL ON SEQUENCES TO " + role);
    }

    private static void applyTemplate(Statement s, TenancyConfig tenancy, List<String> done) throws SQLException {
        if (tenancy.template() == null) {
            return;
        }
        String sql;
        try {
            sql = Files.readString(tenancy.template());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tenant template " + tenancy.template(), e);
        }
        s.execute(sql);
        done.add("applied template " + tenancy.template().getFileName());
    }

    /** Removes the tenant's schema or database, and its role, with everything in them. */
    List<String> deprovision(TenantConfig tenant) throws SQLException {
        List<String> done = new ArrayList<>();
        TenantPlacement placement = TenantPlacement.of(config, tenant);
        switch (tenant.mode()) {
            case SCHEMA -> {
                try (Connection c = connect(placement.owner(placement.database())); Statement s = c.createStatement()) {
                    boolean hasRole = tenant.role() != null && exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", tenant.role());
                    if (hasRole) {
                        TenantRole.inheritToDrop(c, tenant.role());
                    }
                    s.execute("DROP SCHEMA IF EXISTS " + Sql.identifier(tenant.schema()) + " CASCADE");
                    done.add("dropped schema " + tenant.schema());
                    if (hasRole) {
                        s.execute("DROP OWNED BY " + Sql.identifier(tenant.role()));
                    }
                }
            }
            case DATABASE -> {
                try (Connection c = connect(placement.owner(serverDatabase(placement))); Statement s = c.createStatement()) {
                    if (tenant.role() != null && exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", tenant.role())) {
                        TenantRole.inheritToDrop(c, tenant.role());   // FORCE ends the role's sessions: that needs its rights
                    }
                    s.execute("DROP DATABASE IF EXISTS " + Sql.identifier(placement.database()) + " WITH (FORCE)");
                    done.add("dropped database " + placement.database());
                }
            }
            case SHARED -> {
                if (tenant.role() != null) {
                    try (Connection c = connect(placement.owner(placement.database())); Statement s = c.createStatement()) {
                        if (exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", tenant.role())) {
                            TenantRole.inheritToDrop(c, tenant.role());
                            s.execute("DROP OWNED BY " + Sql.identifier(tenant.role()));
                        }
                    }
                }
                done.add("kept the shared tables' rows of " + tenant.id() + ": delete them by tenant column");
            }
        }
        if (tenant.role() != null) {
            try (Connection c = connect(placement.owner(serverDatabase(placement))); Statement s = c.createStatement()) {
                s.execute("DROP ROLE IF EXISTS " + Sql.identifier(tenant.role()));
                done.add("dropped role " + tenant.role());
            }
        }
        return done;
    }

    /** The database of the server's own URL, where server-wide statements run (CREATE DATABASE, roles). */
    private static String serverDatabase(TenantPlacement placement) {
        String db = placement.server().url().database();
        return db != null ? db : "postgres";
    }

    static Connection connect(BackendUrl url) throws SQLException {
        return BackendJdbc.connect(url, url.database(), TIMEOUT, APPLICATION);
    }

    private static boolean exists(Connection c, String sql, String value) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, value);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next();
            }
        }
    }

    static String joined(List<String> lines) {
        return lines.stream().collect(Collectors.joining("; "));
    }
}
