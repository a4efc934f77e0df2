package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.proxy.sharding.shards.SchemaCopy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What moving a tenant with a database of its own adds to a move: the checks of its database on both
 * servers (there on the source, with nothing a copy cannot make and its tables owned by one role the
 * move's login may act as; absent on the target, where the login may create databases), and the
 * target made ready before the subscription copies the rows: the roles (per server), the database
 * owned and granted as on the source, its schemas owned and granted as there, and every schema's
 * definitions copied as ADD SHARD copies a database's ({@link SchemaCopy#copyDatabase}).
 */
final class DatabaseTenantSteps {
    private DatabaseTenantSteps() {
    }

    /** A plain table of a user schema, quoted with its schema as {@link DatabaseScope#tableList} prints it. */
    private static final String QUALIFIED = "format('\"%s\".\"%s\"', replace(n.nspname, '\"', '\"\"'), replace(c.relname, '\"', '\"\"'))";

    /**
     * The database's tables on the source ({@code source}: a connection to it), quoted with their schemas;
     * refused, with the fix, when the move cannot copy it exactly. {@code target}: a connection to the
     * target shard's own database on its server.
     */
    static List<String> check(Connection source, String sourceName, Connection target, String targetName, String database)
            throws SQLException {
        if (MoveRequirements.bool(target, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = " + MoveNames.literal(database) + ")")) {
            throw new MoveRefusedException("shard " + targetName + " has a database " + database + " already, which is not the tenant's"
                    + " (the tenant is on " + sourceName + "; or " + targetName + " is a database on the same server as " + sourceName
                    + ", where the tenant's database is already); fix: drop or rename it on " + targetName
                    + ", or move the tenant to a shard on another server");
        }
        if (!MoveRequirements.bool(target, "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
            String login = MoveRequirements.one(target, "SELECT quote_ident(current_user)");
            throw new MoveRefusedException("the login of shard " + targetName + " (" + login + ") may not create the tenant's database"
                    + " there; fix: ALTER ROLE " + login + " CREATEDB on " + targetName);
        }
        List<String> notCopied = new ArrayList<>(SchemaCopy.notCopiedInDatabase(source));
        if (MoveRequirements.bool(source, "SELECT EXISTS (SELECT 1 FROM pg_db_role_setting s WHERE s.setdatabase ="
                + " (SELECT oid FROM pg_database WHERE datname = current_database()))")) {
            notCopied.add("settings of ALTER DATABASE ... SET or ALTER ROLE ... IN DATABASE ... SET");
        }
        // ICU or builtin locales (PostgreSQL 15 on; read through jsonb, so that an older server's catalog, without the
        // column, reads null) are not made on the target: its collation would sort the tenant's text otherwise.
        String provider = MoveRequirements.one(source, "SELECT to_jsonb(d) ->> 'datlocprovider' FROM pg_database d"
                + " WHERE datname = current_database()");
        if (provider != null && !provider.equals("c")) {
            notCopied.add("a locale provider other than libc (datlocprovider " + provider + ")");
        }
        if (!notCopied.isEmpty()) {
            throw new MoveRefusedException("database " + database + " on " + sourceName + " has what a move does not copy: "
                    + String.join(", ", notCopied) + "; fix: drop them for the move and make them again on the target after it");
        }
        List<String> tables = new ArrayList<>();
        Set<String> owners = new LinkedHashSet<>();
        Set<String> notOwned = new LinkedHashSet<>();
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery("SELECT " + QUALIFIED + ","
                + " pg_has_role(current_user, c.relowner, 'USAGE'), pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n"
                + " ON n.oid = c.relnamespace WHERE " + DatabaseScope.userSchema("n") + " AND c.relkind IN ('r', 'p')"
                + " ORDER BY " + QUALIFIED + " COLLATE \"C\"")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
                owners.add(rs.getString(3));
                if (!rs.getBoolean(2)) {
                    notOwned.add(rs.getString(3));
                }
            }
        }
        if (tables.isEmpty()) {
            throw new MoveRefusedException("database " + database + " on " + sourceName + " has no table: there are no rows to move;"
                    + " fix: give the tenant a table, or change its shard with DROP TENANT and CREATE TENANT");
        }
        if (MoveRequirements.bool(source, "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE " + DatabaseScope.userSchema("n") + " AND c.relkind = 'p')")) {
            throw new MoveRefusedException("database " + database + " on " + sourceName + " has partitioned tables, whose partitions"
                    + " a move publishes one by one; fix: move it by hand (ALTER TENANT SET MOVING, pg_dump, change its shard)");
        }
        for (String role : List.copyOf(notOwned)) {
            // A tenant's role the login made (CREATEROLE) it administers without using its rights (PostgreSQL 16 on):
            // it grants itself their use, as it does on the target (SchemaTenantSteps.becomes).
            if (MoveRequirements.bool(source, "SELECT pg_has_role(current_user, " + MoveNames.literal(role) + ", 'MEMBER WITH ADMIN OPTION')")) {
                boolean sixteen = MoveRequirements.bool(source, "SELECT current_setting('server_version_num')::int >= 160000");
                ShardSteps.execute(source, "GRANT " + MoveNames.ident(role) + " TO current_user" + (sixteen ? " WITH INHERIT TRUE, SET TRUE" : ""));
                notOwned.remove(role);
            }
        }
        if (!notOwned.isEmpty()) {
            String login = MoveRequirements.one(source, "SELECT quote_ident(current_user)");
            throw new MoveRefusedException("the login of shard " + sourceName + " (" + login + ") may not publish the tables of database "
                    + database + ", owned by " + String.join(", ", notOwned) + "; fix: GRANT " + String.join(", ", notOwned) + " TO "
                    + login + " WITH INHERIT TRUE on " + sourceName + " (INHERIT TRUE from PostgreSQL 16 on)");
        }
        if (owners.size() > 1) {
            throw new MoveRefusedException("the tables of database " + database + " on " + sourceName + " have several owners ("
                    + String.join(", ", owners) + "), and a move makes them on the target as one role; fix: ALTER TABLE ... OWNER TO"
                    + " one of them for the move");
        }
        return tables;
    }

    /**
     * The roles the database needs on the target (its owner, its tables' owner, the grantees of its and its
     * schemas' privileges, the tenant's role), and the database, from template0, with the source's encoding
     * and locale, owned and granted as on the source, its comment {@code mark} (the move's).
     */
    static void makeDatabase(Connection source, Connection targetServer, String database, String mark, TenantConfig tenant)
            throws SQLException {
        String owner = MoveRequirements.one(source, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()");
        List<String> roles = new ArrayList<>(List.of(owner, tableOwner(source)));
        roles.addAll(strings(source, "SELECT DISTINCT pg_get_userbyid(a.grantee) FROM pg_database d, aclexplode(d.datacl) a"
                + " WHERE d.datname = current_database() AND a.grantee <> 0"));
        roles.addAll(strings(source, "SELECT DISTINCT pg_get_userbyid(a.grantee) FROM pg_namespace n, aclexplode(n.nspacl) a"
                + " WHERE " + DatabaseScope.userSchema("n") + " AND a.grantee <> 0"));
        roles.addAll(strings(source, "SELECT DISTINCT pg_get_userbyid(n.nspowner) FROM pg_namespace n WHERE " + DatabaseScope.userSchema("n")));
        SchemaTenantSteps.makeRoles(targetServer, roles.stream().filter(r -> !r.startsWith("pg_")).toList(), tenant);
        SchemaTenantSteps.becomes(targetServer, owner);
        String name = MoveNames.ident(database);
        // Encoding and libc locale as on the source: the tenant's text sorts and compares there as it did.
        String locale = MoveRequirements.one(source, "SELECT format('ENCODING %L LC_COLLATE %L LC_CTYPE %L',"
                + " pg_encoding_to_char(encoding), datcollate, datctype) FROM pg_database WHERE datname = current_database()");
        ShardSteps.execute(targetServer, "CREATE DATABASE " + name + " OWNER " + MoveNames.ident(owner) + " TEMPLATE template0 " + locale);
        ShardSteps.execute(targetServer, "COMMENT ON DATABASE " + name + " IS " + MoveNames.literal(mark));
        if (MoveRequirements.bool(source, "SELECT datacl IS NOT NULL FROM pg_database WHERE datname = current_database()")) {
            // A database pgsteer provisioned has CONNECT revoked from PUBLIC and granted to the tenant's role: so on the target.
            ShardSteps.execute(targetServer, "REVOKE ALL ON DATABASE " + name + " FROM PUBLIC");
            for (String grant : strings(source, "SELECT a.privilege_type || ' ON DATABASE ' || " + MoveNames.literal(name) + " || ' TO '"
                    + " || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END"
                    + " FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = current_database()")) {
                ShardSteps.execute(targetServer, "GRANT " + grant);
            }
        }
    }

    /** The database's user schemas on the target ({@code target}: a connection to its new database), owned and granted as on the source. */
    static void makeSchemas(Connection source, Connection target) throws SQLException {
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery("SELECT n.nspname, pg_get_userbyid(n.nspowner)"
                + " FROM pg_namespace n WHERE " + DatabaseScope.userSchema("n") + " AND NOT EXISTS (SELECT 1 FROM pg_depend d"
                + " WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e') ORDER BY n.oid")) {
            while (rs.next()) {
                if (!MoveRequirements.bool(target, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = "
                        + MoveNames.literal(rs.getString(1)) + ")")) {
                    SchemaTenantSteps.becomes(target, rs.getString(2));
                    ShardSteps.execute(target, "CREATE SCHEMA " + MoveNames.ident(rs.getString(1)) + " AUTHORIZATION "
                            + MoveNames.ident(rs.getString(2)));
                }
            }
        }
        for (String grant : strings(source, "SELECT a.privilege_type || ' ON SCHEMA ' || quote_ident(n.nspname) || ' TO '"
                + " || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END"
                + " FROM pg_namespace n, aclexplode(n.nspacl) a WHERE " + DatabaseScope.userSchema("n"))) {
            ShardSteps.execute(target, "GRANT " + grant);
        }
    }

    /** Every schema's definitions, as on the source, made on the target as the tables' owner. */
    static void copyDefinitions(Connection source, Connection target) throws SQLException {
        String owner = tableOwner(source);
        SchemaTenantSteps.becomes(target, owner);
        SchemaCopy.copyDatabase(source, target, owner);
    }

    /**
     * Waits, up to {@code bound}, until no session but this one is running a statement in {@code database}: a
     * transaction of the tenant's begun on the source before the flip ends there (its writes failed at the
     * fence) rather than being cut by the drop. Idle connections (the pools') are not waited for.
     */
    static void awaitIdle(Connection server, String database, Duration bound) throws SQLException, InterruptedException {
        long until = System.nanoTime() + bound.toNanos();
        String busy = "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = " + MoveNames.literal(database)
                + " AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle')";
        while (MoveRequirements.bool(server, busy) && System.nanoTime() < until) {
            Thread.sleep(50);
        }
    }

    private static String tableOwner(Connection source) throws SQLException {
        return MoveRequirements.one(source, "SELECT min(pg_get_userbyid(c.relowner)) FROM pg_class c JOIN pg_namespace n"
                + " ON n.oid = c.relnamespace WHERE " + DatabaseScope.userSchema("n") + " AND c.relkind = 'r'");
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
