package dev.pgsteer.proxy.sharding.move;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * What a move needs of its two shards, checked before anything is made, each refusal with its fix:
 * logical decoding on the source (wal_level, a login that may replicate, a free slot and WAL sender),
 * a login on the target that may subscribe and a free replication worker, the group's tables on both.
 */
final class MoveRequirements {
    private MoveRequirements() {
    }

    static void check(Connection source, String sourceName, Connection target, String targetName, List<String> tables)
            throws SQLException {
        String walLevel = one(source, "SHOW wal_level");
        if (!walLevel.equals("logical")) {
            throw new MoveRefusedException("shard " + sourceName + " (the source) has wal_level = " + walLevel
                    + ", and a move copies the bucket by logical replication; fix: ALTER SYSTEM SET wal_level = logical on "
                    + sourceName + " and restart it");
        }
        if (!bool(source, "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
            throw new MoveRefusedException("the login of shard " + sourceName + " (" + one(source, "SELECT current_user")
                    + ") may not replicate; fix: ALTER ROLE " + one(source, "SELECT quote_ident(current_user)") + " REPLICATION on "
                    + sourceName);
        }
        if (!bool(source, "SELECT current_setting('max_replication_slots')::int > (SELECT count(*) FROM pg_replication_slots)")) {
            throw new MoveRefusedException("shard " + sourceName + " has no free replication slot; fix: raise max_replication_slots"
                    + " on " + sourceName + " (restart), or drop unused slots (pg_replication_slots)");
        }
        if (!bool(source, "SELECT current_setting('max_wal_senders')::int > (SELECT count(*) FROM pg_stat_replication)")) {
            throw new MoveRefusedException("shard " + sourceName + " has no free WAL sender; fix: raise max_wal_senders on "
                    + sourceName + " (restart)");
        }
        // pg_create_subscription exists from PostgreSQL 16 on; before, only a superuser subscribes. CASE, not
        // OR: pg_has_role of a role that does not exist is an error, and CASE decides what is evaluated.
        boolean grantable = bool(target, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_create_subscription')");
        if (!bool(target, "SELECT rolsuper OR CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_create_subscription')"
                + " THEN pg_has_role(current_user, 'pg_create_subscription', 'MEMBER') ELSE false END FROM pg_roles"
                + " WHERE rolname = current_user")
                || !bool(target, "SELECT has_database_privilege(current_database(), 'CREATE')")) {
            String login = one(target, "SELECT quote_ident(current_user)");
            throw new MoveRefusedException("the login of shard " + targetName + " (" + one(target, "SELECT current_user")
                    + ") may not create a subscription; fix: " + (grantable ? "GRANT pg_create_subscription TO " + login
                    : "ALTER ROLE " + login + " SUPERUSER (before PostgreSQL 16 only a superuser may subscribe)")
                    + " and GRANT CREATE ON DATABASE " + one(target, "SELECT quote_ident(current_database())") + " to it, on "
                    + targetName);
        }
        if (!bool(target, "SELECT current_setting('max_logical_replication_workers')::int"
                + " > (SELECT count(*) FROM pg_stat_subscription)")) {
            throw new MoveRefusedException("shard " + targetName + " has no free logical replication worker; fix: raise "
                    + "max_logical_replication_workers on " + targetName + " (restart)");
        }
        for (String table : tables) {
            for (var side : List.of(new Object[] {source, sourceName}, new Object[] {target, targetName})) {
                try (PreparedStatement st = ((Connection) side[0]).prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
                    st.setString(1, MoveNames.ident(table));
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            throw new MoveRefusedException("shard " + side[1] + " has no table " + table
                                    + "; fix: create it there (the target needs the group's tables, with the same columns)");
                        }
                    }
                }
            }
        }
    }

    /**
     * Row-level security that binds the move's login on a table it copies (enabled for a login that does
     * not own it, or forced): the copy, the checksum and the target's apply would see only what the
     * policies let through, or fail. Refused with the fix: a login that bypasses it, for the move.
     */
    static void rowSecurity(Connection c, String shardName, List<String> tables) throws SQLException {
        for (String table : tables) {
            try (PreparedStatement st = c.prepareStatement("SELECT c.relrowsecurity AND (c.relforcerowsecurity"
                    + " OR NOT pg_has_role(current_user, c.relowner, 'USAGE')) AND NOT (SELECT rolbypassrls OR rolsuper FROM pg_roles"
                    + " WHERE rolname = current_user) FROM pg_class c WHERE c.oid = to_regclass(?)")) {
                st.setString(1, MoveNames.ident(table));
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        String login = one(c, "SELECT quote_ident(current_user)");
                        throw new MoveRefusedException("row-level security of table " + table + " on " + shardName + " binds the login "
                                + login + ", so the move would copy and compare only the rows its policies show; fix: ALTER ROLE "
                                + login + " BYPASSRLS on " + shardName + " (as a superuser), for the move");
                    }
                }
            }
        }
    }

    static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static boolean bool(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() && rs.getBoolean(1);
        }
    }
}
