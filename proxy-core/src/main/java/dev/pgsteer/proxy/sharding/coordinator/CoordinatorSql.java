package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.config.TableConfig;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The statements of the coordinator step, as text. A table's qualified name is read from the
 * coordinator's catalog before its temporary table exists (once it does, the plain name means the
 * temporary table: {@code pg_temp} comes first in the search path for tables).
 */
public final class CoordinatorSql {
    private CoordinatorSql() {
    }

    /** One row per table, in order: its schema-qualified, quoted name (no row: the table does not exist). */
    public static String qualifiedNames(List<TableConfig.Sharded> tables) {
        String names = tables.stream().map(t -> literal(t.name())).collect(Collectors.joining(", "));
        return "SELECT format('%I.%I', n.nspname, c.relname), format('%I', c.relname)"
                + " FROM unnest(ARRAY[" + names + "]::text[]) WITH ORDINALITY AS t(name, i)"
                + " JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(t.name)"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY t.i";
    }

    /**
     * Opens the coordinator's own transaction and makes the temporary tables in it, filled with the
     * coordinator shard's own rows. ON COMMIT DROP: whatever ends the transaction (the step's
     * ROLLBACK, an error, a connection closed or rolled back when the client leaves) drops them, so
     * no pooled connection keeps a table that would shadow a sharded one.
     */
    public static String createAndFillLocally(List<String> qualified, List<String> temporary) {
        StringBuilder sql = new StringBuilder("BEGIN");
        for (int i = 0; i < qualified.size(); i++) {
            sql.append("; CREATE TEMP TABLE ").append(temporary.get(i)).append(" (LIKE ").append(qualified.get(i))
                    .append(") ON COMMIT DROP; INSERT INTO pg_temp.").append(temporary.get(i))
                    .append(" SELECT * FROM ").append(qualified.get(i));
        }
        return sql.toString();
    }

    /** What a shard sends: every row, in binary, as PostgreSQL encodes it (no text round trip). */
    public static String copyOut(String qualified) {
        return "COPY (SELECT * FROM " + qualified + ") TO STDOUT (FORMAT binary)";
    }

    public static String copyIn(String temporary) {
        return "COPY pg_temp." + temporary + " FROM STDIN (FORMAT binary)";
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
