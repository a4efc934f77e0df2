package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.proxy.sharding.shards.SchemaCopy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What moving a tenant in its own schema adds to a move: the checks of its schema on both shards
 * (there on the source, with nothing a copy cannot make; absent on the target; its tables' owner's
 * rights held by the move's login), and the target made ready before the subscription copies the
 * rows: the tenant's role (roles are per server), the schema owned by the source's schema owner, and
 * its definitions copied as ADD SHARD copies a database's ({@link SchemaCopy}).
 */
final class SchemaTenantSteps {
    private SchemaTenantSteps() {
    }

    /** The schema's tables on the source, by name; refused, with the fix, when the move cannot copy it exactly. */
    static List<String> check(Connection source, String sourceName, Connection target, String targetName, String schema)
            throws SQLException {
        if (!exists(source, schema)) {
            throw new MoveRefusedException("shard " + sourceName + " has no schema " + schema + " (the tenant's); fix: check the tenant's"
                    + " shard and schema (SHOW TENANTS)");
        }
        if (exists(target, schema)) {
            throw new MoveRefusedException("shard " + targetName + " has a schema " + schema + " already, which is not the tenant's"
                    + " (the tenant is on " + sourceName + "); fix: drop or rename it on " + targetName + ", or move the tenant elsewhere");
        }
        List<String> notCopied = SchemaCopy.notCopied(source, schema);
        if (!notCopied.isEmpty()) {
            throw new MoveRefusedException("schema " + schema + " on " + sourceName + " has what a move does not copy: "
                    + String.join(", ", notCopied) + "; fix: drop them for the move and make them again on the target after it");
        }
        List<String> tables = new ArrayList<>();
        List<String> notOwned = new ArrayList<>();
        try (PreparedStatement st = source.prepareStatement("SELECT c.relname, pg_has_role(current_user, c.relowner, 'USAGE'),"
                + " pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relkind = 'r' ORDER BY c.relname")) {
            st.setString(1, schema);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                    if (!rs.getBoolean(2)) {
                        notOwned.add(rs.getString(3));
                    }
                }
            }
        }
        if (tables.isEmpty()) {
            throw new MoveRefusedException("schema " + schema + " on " + sourceName + " has no table: there are no rows to move;"
                    + " fix: give the tenant a table, or change its shard with DROP TENANT and CREATE TENANT");
        }
        if (!notOwned.isEmpty()) {
            String login = MoveRequirements.one(source, "SELECT quote_ident(current_user)");
            throw new MoveRefusedException("the login of shard " + sourceName + " (" + login + ") may not publish the tables of schema "
                    + schema + ", owned by " + String.join(", ", notOwned.stream().distinct().toList()) + "; fix: GRANT "
                    + String.join(", ", notOwned.stream().distinct().toList()) + " TO " + login + " on " + sourceName);
        }
        return tables;
    }

    /**
     * The tenant's role (and the schema owner's) on the target, and the schema, owned as on the source. CREATE
     * SCHEMA fails on a schema of the same name, made there since checking: the move then fails, leaving it.
     */
    static void makeSchema(Connection source, Connection target, String schema, TenantConfig tenant) throws SQLException {
        String owner = owner(source, schema);
        makeRoles(target, List.of(owner), tenant);
        becomes(target, owner);
        ShardSteps.execute(target, "CREATE SCHEMA " + MoveNames.ident(schema) + " AUTHORIZATION " + MoveNames.ident(owner));
    }

    /** {@code roles} and the tenant's role on the target, where missing (roles are per server), the tenant's with its password. */
    static void makeRoles(Connection target, List<String> roles, TenantConfig tenant) throws SQLException {
        List<String> all = new ArrayList<>(roles);
        if (tenant.role() != null && !all.contains(tenant.role())) {
            all.add(tenant.role());
        }
        for (String role : all.stream().distinct().toList()) {
            if (!MoveRequirements.bool(target, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = " + MoveNames.literal(role) + ")")) {
                String password = role.equals(tenant.role()) && tenant.rolePassword() != null
                        ? " PASSWORD " + MoveNames.literal(tenant.rolePassword()) : "";
                ShardSteps.execute(target, "CREATE ROLE " + MoveNames.ident(role) + " LOGIN" + password);
            }
        }
    }

    /**
     * The copy makes the tables as their owner, and the subscription writes them as their owner (PostgreSQL 16 on): the
     * move's login must be able to become it. A role the login made (CREATEROLE) it administers, with no SET option
     * from PostgreSQL 16 on: it grants itself one.
     */
    static void becomes(Connection target, String owner) throws SQLException {
        boolean sixteen = MoveRequirements.bool(target, "SELECT current_setting('server_version_num')::int >= 160000");
        if (!MoveRequirements.bool(target, "SELECT pg_has_role(current_user, " + MoveNames.literal(owner) + ", '"
                + (sixteen ? "SET" : "MEMBER") + "')")) {
            ShardSteps.execute(target, "GRANT " + MoveNames.ident(owner) + " TO current_user" + (sixteen ? " WITH INHERIT TRUE, SET TRUE" : ""));
        }
    }

    /** The schema's definitions, as on the source, made on the target as the schema's owner. */
    static void copyDefinitions(Connection source, Connection target, String schema) throws SQLException {
        SchemaCopy.copy(source, target, schema, owner(source, schema));
    }

    private static String owner(Connection source, String schema) throws SQLException {
        return MoveRequirements.one(source, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = " + MoveNames.literal(schema));
    }

    private static boolean exists(Connection c, String schema) throws SQLException {
        return MoveRequirements.bool(c, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = " + MoveNames.literal(schema) + ")");
    }
}
