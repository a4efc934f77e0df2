package dev.pgsteer.proxy.sharding.shards;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A database's schema as statements in dependency order, read from the default shard by
 * {@link SourceSchema}: {@code before} (extensions, schemas, enums, sequences, functions whose body is a
 * string, which PostgreSQL does not check at creation with {@code check_function_bodies} off), {@code tables},
 * {@code constraints} (keys, unique, exclusion, checks), {@code indexes}, {@code deferred} (views and
 * {@code BEGIN ATOMIC} functions, which name tables and each other: made in whatever order works),
 * {@code foreignKeys} and {@code after} (sequence ownership and values). Reference rows are copied
 * between {@code deferred} and {@code foreignKeys} ({@link ReferenceRows}).
 */
record SchemaScript(List<String> before, List<String> tables, List<String> constraints, List<String> indexes,
                    List<String> deferred, List<String> foreignKeys, List<String> after, Counts counts) {

    /** What the script makes, for the command's answer. */
    record Counts(int extensions, int schemas, int types, int sequences, int tables, int constraints, int indexes, int views,
                  int functions) {
        String describe() {
            return tables + " table(s), " + constraints + " constraint(s), " + indexes + " index(es), " + sequences + " sequence(s), "
                    + views + " view(s), " + functions + " function(s), " + types + " enum type(s), " + schemas + " schema(s), "
                    + extensions + " extension(s)";
        }
    }

    /** The script up to the reference rows, on {@code target} inside its open transaction. */
    void applyDefinitions(Connection target) throws SQLException {
        try (Statement st = target.createStatement()) {
            st.execute("SET LOCAL check_function_bodies = off");
            st.execute("SET LOCAL search_path = ''");
            for (List<String> part : List.of(before, tables, constraints, indexes)) {
                for (String sql : part) {
                    execute(st, sql);
                }
            }
        }
        applyInAnyOrder(target, deferred);
    }

    /** The rest, once the reference rows are in. */
    void applyConstraintsAfterRows(Connection target) throws SQLException {
        try (Statement st = target.createStatement()) {
            for (List<String> part : List.of(foreignKeys, after)) {
                for (String sql : part) {
                    execute(st, sql);
                }
            }
        }
    }

    private static void execute(Statement st, String sql) throws SQLException {
        try {
            st.execute(sql);
        } catch (SQLException e) {
            throw new SQLException(e.getMessage() + " (making: " + abbreviate(sql) + ")", e.getSQLState(), e);
        }
    }

    /**
     * Views and atomic functions name each other: each is tried under a savepoint, and those that fail
     * (something they name is not made yet) are tried again after the others, until a round makes none.
     */
    private static void applyInAnyOrder(Connection target, List<String> statements) throws SQLException {
        List<String> pending = new ArrayList<>(statements);
        SQLException last = null;
        while (!pending.isEmpty()) {
            List<String> failed = new ArrayList<>();
            try (Statement st = target.createStatement()) {
                for (String sql : pending) {
                    st.execute("SAVEPOINT pgsteer_copy");
                    try {
                        st.execute(sql);
                        st.execute("RELEASE SAVEPOINT pgsteer_copy");
                    } catch (SQLException e) {
                        st.execute("ROLLBACK TO SAVEPOINT pgsteer_copy");
                        failed.add(sql);
                        if (last == null || failed.size() == 1) {
                            last = new SQLException(e.getMessage() + " (making: " + abbreviate(sql) + ")", e.getSQLState(), e);
                        }
                    }
                }
            }
            if (failed.size() == pending.size()) {
                throw last;
            }
            pending = failed;
        }
    }

    private static String abbreviate(String sql) {
        String line = sql.strip().replaceAll("\\s+", " ");
        return line.length() > 120 ? line.substring(0, 117) + "..." : line;
    }
}
