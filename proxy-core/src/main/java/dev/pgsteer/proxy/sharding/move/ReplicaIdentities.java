package dev.pgsteer.proxy.sharding.move;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A publication with a row filter publishes UPDATEs and DELETEs only when the filter's column (the
 * key) is in the table's replica identity, and a table without one cannot be updated at all once
 * published. So a table whose identity does not hold its key gets REPLICA IDENTITY FULL for the move;
 * what it had is kept in the store ({@code table=d}, {@code table=n}, {@code table=i:index}) and put
 * back at the end.
 */
final class ReplicaIdentities {
    private ReplicaIdentities() {
    }

    /**
     * The tables whose identity does not hold their key, each with what it is now ({@code table=d}):
     * recorded in the store before {@link #makeFull} changes them, so that whoever finishes the move
     * puts them back.
     */
    static List<String> lacking(Connection source, List<String> tables, List<String> keys) throws SQLException {
        List<String> changed = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            String identity;
            boolean holdsKey;
            try (PreparedStatement st = source.prepareStatement("SELECT c.relreplident::text,"
                    + " (SELECT x.indexrelid::regclass::text FROM pg_index x WHERE x.indrelid = c.oid AND x.indisreplident),"
                    + " EXISTS (SELECT 1 FROM pg_index x JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (x.indkey)"
                    + "   WHERE x.indrelid = c.oid AND a.attname = ? AND"
                    + "   ((c.relreplident = 'd' AND x.indisprimary) OR (c.relreplident = 'i' AND x.indisreplident)))"
                    + " FROM pg_class c WHERE c.oid = to_regclass(?)")) {
                st.setString(1, keys.get(i));
                st.setString(2, MoveNames.ident(tables.get(i)));
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    String kind = rs.getString(1);
                    identity = kind.equals("i") ? "i:" + rs.getString(2) : kind;
                    holdsKey = kind.equals("f") || rs.getBoolean(3);
                }
            }
            if (!holdsKey) {
                changed.add(tables.get(i) + "=" + identity);
            }
        }
        return changed;
    }

    /**
     * A schema tenant's tables that have no replica identity at all (no primary key, or NOTHING): once
     * published, the source could not update or delete their rows. Entries name the table with its
     * schema, quoted ({@code "acme"."notes"=d}).
     */
    static List<String> lackingAny(Connection source, String schema, List<String> tables) throws SQLException {
        return lackingAny(source, tables.stream().map(t -> MoveNames.ident(schema) + "." + MoveNames.ident(t)).toList());
    }

    /** Likewise, of tables each quoted with its schema ({@code "public"."notes"}): a database tenant's. */
    static List<String> lackingAny(Connection source, List<String> tables) throws SQLException {
        List<String> changed = new ArrayList<>();
        for (String qualified : tables) {
            try (PreparedStatement st = source.prepareStatement("SELECT c.relreplident::text,"
                    + " (SELECT x.indexrelid::regclass::text FROM pg_index x WHERE x.indrelid = c.oid AND x.indisreplident),"
                    + " EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid AND x.indisprimary)"
                    + " FROM pg_class c WHERE c.oid = to_regclass(?)")) {
                st.setString(1, qualified);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    String kind = rs.getString(1);
                    if (kind.equals("n") || (kind.equals("d") && !rs.getBoolean(3))) {
                        changed.add(qualified + "=" + kind);
                    }
                }
            }
        }
        return changed;
    }

    /** REPLICA IDENTITY FULL for each table {@link #lacking} named. */
    static void makeFull(Connection source, List<String> lacking) throws SQLException {
        for (String entry : lacking) {
            try (Statement st = source.createStatement()) {
                st.execute("ALTER TABLE " + table(entry) + " REPLICA IDENTITY FULL");
            }
        }
    }

    /** An entry's table: quoted already when it names its schema ({@link #lackingAny}), else quoted here. */
    private static String table(String entry) {
        String name = entry.substring(0, equals(entry));
        return name.startsWith("\"") ? name : MoveNames.ident(name);
    }

    private static int equals(String entry) {
        return entry.startsWith("\"") ? entry.lastIndexOf("\"=") + 1 : entry.indexOf('=');
    }

    static void restore(Connection source, List<String> changed) throws SQLException {
        for (String entry : changed) {
            int eq = equals(entry);
            String table = table(entry);
            String was = entry.substring(eq + 1);
            String identity = switch (was.charAt(0)) {
                case 'd' -> "DEFAULT";
                case 'n' -> "NOTHING";
                case 'i' -> "USING INDEX " + was.substring(2);
                default -> "FULL";
            };
            try (Statement st = source.createStatement()) {
                st.execute("ALTER TABLE " + table + " REPLICA IDENTITY " + identity);
            }
        }
    }
}
