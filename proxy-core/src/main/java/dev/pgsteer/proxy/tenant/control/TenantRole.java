package dev.pgsteer.proxy.tenant.control;

import dev.pgsteer.config.TenantConfig;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A tenant's own login role on its server, as {@code CREATE TENANT} makes it: {@code LOGIN} and
 * nothing more, so that PostgreSQL itself keeps the tenant to what it is granted. A role that
 * already exists is taken only if it has no attribute that lifts it over grants and policies
 * (superuser, BYPASSRLS, CREATEROLE, CREATEDB, REPLICATION) and is not the backend's own login.
 * The backend login is made able to {@code SET ROLE} to it without inheriting its rights:
 * PostgreSQL 16+ asks that of whoever makes the role own its schema, and not inheriting keeps the
 * tenant's objects out of reach of tenants that run as the backend login (those without a role).
 */
final class TenantRole {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TenantRole() {
    }

    /** A password for a role pgsteer makes and alone logs in as: 144 random bits, URL-safe. */
    static String newPassword() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Makes or checks the role of {@code tenant} (which has one) on the server {@code c} is connected to. */
    static List<String> ensure(Connection c, TenantConfig tenant) throws SQLException {
        List<String> done = new ArrayList<>();
        String role = Sql.identifier(tenant.role());
        String password = tenant.rolePassword() == null ? "" : " PASSWORD " + Sql.literal(tenant.rolePassword());
        try (Statement s = c.createStatement()) {
            String refusal = refusal(c, tenant.role());
            if (refusal == null) {
                s.execute("CREATE ROLE " + role + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB" + password);
                done.add("created role " + tenant.role());
            } else if (!refusal.isEmpty()) {
                throw new TenantLifecycle.Refused("42501", "role \"" + tenant.role() + "\" cannot be tenant " + tenant.id()
                        + "'s role: it " + refusal + ", so PostgreSQL would not keep the tenant to its own data; "
                        + "name another: ROLE " + tenant.id() + "_tenant");
            } else if (!password.isEmpty()) {
                // The directory's password is the one pgsteer logs in with: make it the role's.
                s.execute("ALTER ROLE " + role + " LOGIN" + password);
                done.add("took existing role " + tenant.role() + " and set its password");
            }
            if (!canSetRole(c, tenant.role())) {
                s.execute(serverVersion(c) >= 160000
                        ? "GRANT " + role + " TO CURRENT_USER WITH INHERIT FALSE, SET TRUE"
                        : "GRANT " + role + " TO CURRENT_USER");
            }
        }
        return done;
    }

    /**
     * Lets the backend login act with the rights of a tenant role that is about to be dropped, which
     * DROP SCHEMA of the role's schema and DROP OWNED BY the role ask for.
     */
    static void inheritToDrop(Connection c, String role) throws SQLException {
        if (serverVersion(c) >= 160000) {
            try (PreparedStatement p = c.prepareStatement("SELECT pg_has_role(current_user, ?, 'USAGE')")) {
                p.setString(1, role);
                try (ResultSet rs = p.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return;
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("GRANT " + Sql.identifier(role) + " TO CURRENT_USER WITH INHERIT TRUE");
            }
        }
    }

    /**
     * Null when there is no such role; empty when it may be a tenant's; else what disqualifies it
     * (to complete "it ...").
     */
    private static String refusal(Connection c, String role) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, "
                + "rolreplication, rolname = current_user FROM pg_roles WHERE rolname = ?")) {
            p.setString(1, role);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                List<String> why = new ArrayList<>();
                String[] names = {"is a superuser", "has BYPASSRLS", "has CREATEROLE", "has CREATEDB", "has REPLICATION",
                        "is the backend's own login"};
                for (int i = 0; i < names.length; i++) {
                    if (rs.getBoolean(i + 1)) {
                        why.add(names[i]);
                    }
                }
                return String.join(" and ", why);
            }
        }
    }

    private static boolean canSetRole(Connection c, String role) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT pg_has_role(current_user, ?, "
                + (serverVersion(c) >= 160000 ? "'SET'" : "'MEMBER'") + ")")) {
            p.setString(1, role);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static int serverVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version_num")) {
            rs.next();
            return Integer.parseInt(rs.getString(1));
        }
    }
}
