package dev.pgsteer.proxy.tenant;

import dev.pgsteer.config.BackendJdbc;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenancyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantMode;
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
        if (tenant.role() != null) {
            try (Connection c = connect(placement.owner(ownerDatabase)); Statement s = c.createStatement()) {
                if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", tenant.role())) {
                    s.execute("CREATE ROLE " + Sql.identifier(tenant.role()) + " LOGIN"
                            + (tenant.rolePassword() == null ? "" : " PASSWORD " + Sql.literal(tenant.rolePassword())));
                    done.add("created role " + tenant.role());
                }
            }
        }
        switch (tenant.mode()) {
            case SCHEMA -> {
                try (Connection c = connect(placement.owner(placement.database())); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    String schema = Sql.identifier(tenant.schema());
                    s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                    s.execute("SET LOCAL search_path TO " + Tenants.searchPath(tenant.schema(), tenancy));
                    applyTemplate(s, tenancy, done);
                    if (tenant.role() != null) {
                        grantSchema(s, schema, Sql.identifier(tenant.role()));
                    }
                    c.commit();
                    done.add("created schema " + tenant.schema() + " in " + placement.server().name() + "/" + placement.database());
                }
            }
            case DATABASE -> {
                try (Connection c = connect(placement.owner(ownerDatabase)); Statement s = c.createStatement()) {
                    if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", placement.database())) {
                        s.execute("CREATE DATABASE " + Sql.identifier(placement.database()));
                        done.add("created database " + placement.database() + " on " + placement.server().name());
                    }
                    if (tenant.role() != null) {
                        s.execute("GRANT CONNECT, TEMPORARY ON DATABASE " + Sql.identifier(placement.database()) + " TO "
                                + Sql.identifier(tenant.role()));
                    }
                }
                try (Connection c = connect(placement.owner(placement.database())); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    applyTemplate(s, tenancy, done);
                    if (tenant.role() != null) {
                        grantSchema(s, "public", Sql.identifier(tenant.role()));
                    }
                    c.commit();
                }
            }
            case SHARED -> {
                if (tenant.role() != null) {
                    try (Connection c = connect(placement.owner(placement.database())); Statement s = c.createStatement()) {
                        for (String shared : tenancy.sharedSchemas()) {
                            String schema = Sql.identifier(shared);
                            String role = Sql.identifier(tenant.role());
                            s.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
                            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
                            s.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role);
                        }
                        done.add("granted " + tenant.role() + " the shared schemas' tables; row-level security policies "
                                + "decide which rows it sees");
                    }
                }
            }
        }
        return done;
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
                    s.execute("DROP SCHEMA IF EXISTS " + Sql.identifier(tenant.schema()) + " CASCADE");
                    done.add("dropped schema " + tenant.schema());
                    if (tenant.role() != null && exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", tenant.role())) {
                        s.execute("DROP OWNED BY " + Sql.identifier(tenant.role()));
                    }
                }
            }
            case DATABASE -> {
                try (Connection c = connect(placement.owner(serverDatabase(placement))); Statement s = c.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS " + Sql.identifier(placement.database()) + " WITH (FORCE)");
                    done.add("dropped database " + placement.database());
                }
            }
            case SHARED -> {
                if (tenant.role() != null) {
                    try (Connection c = connect(placement.owner(placement.database())); Statement s = c.createStatement()) {
                        if (exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", tenant.role())) {
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
