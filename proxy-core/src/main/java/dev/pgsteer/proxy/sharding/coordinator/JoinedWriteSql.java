package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Placement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The statements of an UPDATE ... FROM or DELETE ... USING that pgsteer writes itself, as text: what
 * the coordinator reads once it has run the client's statement over its copies, and what each shard
 * then runs, which finds the written rows by their tableoid and ctid (locked since they were pulled,
 * so their ctid holds). Values travel as text: each column's output read on the coordinator under the
 * session's settings, with {@code extra_float_digits} raised so a float's text is exact, and read back
 * on the shard by the same type's input, cast to the column's type with its modifier
 * ({@code format_type}: {@code character(5)}, not {@code character}, which would be {@code char(1)}).
 */
public final class JoinedWriteSql {
    /** The columns the coordinator's copy of the target has besides the table's: where each row is on its shard. */
    public static final String SHARD = "pgsteer_shard";
    public static final String TABLEOID = "pgsteer_tableoid";
    public static final String CTID = "pgsteer_ctid";
    private static final String VALUES = "pgsteer_v";

    private JoinedWriteSql() {
    }

    /** The target copy's columns and their types with modifiers, in order. */
    public static String columns(String table) {
        return "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a"
                + " WHERE a.attrelid = " + CoordinatorSql.literal("pg_temp." + PullStatements.quoted(table))
                + "::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
    }

    /**
     * After the coordinator's UPDATE: every row it wrote, its shard, tableoid and ctid, and the new
     * values of the columns set, as exact text.
     */
    public static String writtenRows(String table, List<String> setColumns) {
        return "SET LOCAL extra_float_digits = 3; SELECT " + SHARD + ", " + TABLEOID + ", " + CTID
                + setColumns.stream().map(c -> ", " + PullStatements.quoted(c)).collect(Collectors.joining())
                + " FROM pg_temp." + PullStatements.quoted(table) + " WHERE " + Placement.JoinedWrite.WRITTEN;
    }

    /**
     * What every shard runs, by shard, from the coordinator's rows (shard, tableoid, ctid, then the
     * new values in the order of {@code command.setColumns()}); a shard without rows runs the
     * statement on no row, so that it answers as every shard of a write does (its RowDescription for
     * a RETURNING, its statement triggers).
     *
     * @param types the set columns' types, in their order
     */
    public static Map<String, String> byShard(Command.JoinedWrite command, List<String> shards, List<String> types,
                                              List<List<String>> rows) {
        Map<String, List<List<String>>> rowsByShard = new LinkedHashMap<>();
        shards.forEach(shard -> rowsByShard.put(shard, new ArrayList<>()));
        for (List<String> row : rows) {
            rowsByShard.get(row.get(0)).add(row);
        }
        Map<String, String> texts = new LinkedHashMap<>();
        rowsByShard.forEach((shard, mine) -> texts.put(shard, write(command, types, mine)));
        return texts;
    }

    private static String write(Command.JoinedWrite command, List<String> types, List<List<String>> rows) {
        List<String> columns = command.setColumns().stream().map(PullStatements::quoted).toList();
        StringBuilder sql = new StringBuilder(command.delete() ? "DELETE FROM " : "UPDATE ").append(command.target());
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? " SET " : ", ").append(columns.get(i)).append(" = ")
                    .append(rows.isEmpty() ? command.reference() : VALUES).append('.').append(columns.get(i));
        }
        if (rows.isEmpty()) {
            return sql.append(" WHERE false").append(returning(command)).toString();
        }
        sql.append(command.delete() ? " USING (VALUES " : " FROM (VALUES ");
        for (int r = 0; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            sql.append(r == 0 ? "(" : ", (").append(typed(row.get(1), "pg_catalog.oid")).append(", ")
                    .append(typed(row.get(2), "pg_catalog.tid"));
            for (int i = 0; i < columns.size(); i++) {
                sql.append(", ").append(typed(row.get(i + 3), types.get(i)));
            }
            sql.append(')');
        }
        sql.append(") AS ").append(VALUES).append(" (").append(TABLEOID).append(", ").append(CTID);
        columns.forEach(c -> sql.append(", ").append(c));
        String ctids = rows.stream().map(row -> "\"" + row.get(2) + "\"").collect(Collectors.joining(",", "{", "}"));
        String reference = command.reference();
        // The ANY gives the planner a TID scan; the join gives each row its values.
        return sql.append(") WHERE ").append(reference).append(".ctid = ANY(").append(CoordinatorSql.literal(ctids))
                .append("::pg_catalog.tid[]) AND ").append(reference).append(".tableoid = ").append(VALUES).append('.').append(TABLEOID)
                .append(" AND ").append(reference).append(".ctid = ").append(VALUES).append('.').append(CTID)
                .append(returning(command)).toString();
    }

    private static String returning(Command.JoinedWrite command) {
        String returning = command.returning().sql().strip();
        return returning.isEmpty() ? "" : " " + returning;
    }

    private static String typed(String value, String type) {
        return (value == null ? "NULL" : CoordinatorSql.literal(value)) + "::" + type;
    }
}
