package dev.pgsteer.proxy.sharding;

import dev.pgsteer.config.TableConfig;
import java.util.List;

/** What pgsteer asks a shard's catalog about the tables of the shard map. */
public final class CatalogQueries {
    private CatalogQueries() {
    }

    /** Rows of (table, type of its key column), for the tables whose key type pgsteer does not know. */
    static String keyTypes(List<TableConfig.Sharded> tables) {
        StringBuilder sql = new StringBuilder();
        for (TableConfig.Sharded table : tables) {
            sql.append(sql.isEmpty() ? "" : " UNION ALL ")
                    .append("SELECT ").append(literal(table.name())).append(", pg_catalog.format_type(atttypid, NULL)")
                    .append(" FROM pg_catalog.pg_attribute WHERE attrelid = pg_catalog.to_regclass(")
                    .append(literal("\"" + table.name().replace("\"", "\"\"") + "\"")).append(") AND attname = ")
                    .append(literal(table.key())).append(" AND NOT attisdropped");
        }
        return sql.toString();
    }

    /** The table's column names in order, one row each; no rows when there is no such table. */
    public static String columns(String table) {
        return "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = pg_catalog.to_regclass('\""
                + table.replace("'", "''").replace("\"", "\"\"") + "\"') AND attnum > 0 AND NOT attisdropped ORDER BY attnum";
    }

    /**
     * How values compare in the database and in each column of {@code tables}: rows of (table,
     * column, type oid, class), the first one ('', '', 0, class) for the database's default collation.
     * The class: 'n' no collation, 'd' the database's default, 'b' a collation that sorts by code
     * point (= UTF-8 byte order: libc "C", "POSIX", C.UTF-8, and every builtin one), 'l' another
     * deterministic one (ICU, libc en_US.UTF-8), 'x' a nondeterministic one. A domain counts as its
     * base type, as RowDescription reports it. {@code datlocprovider} is read through to_jsonb, so a
     * PostgreSQL before 15 (libc only) reads as libc.
     */
    public static String collations(List<String> tables) {
        String bytewise = "IN ('C', 'POSIX', 'C.UTF-8', 'C.utf8')";
        StringBuilder sql = new StringBuilder("SELECT '', '', 0::oid, CASE WHEN COALESCE(pg_catalog.to_jsonb(d) ->> 'datlocprovider', 'c')"
                + " = 'b' OR (COALESCE(pg_catalog.to_jsonb(d) ->> 'datlocprovider', 'c') = 'c' AND d.datcollate " + bytewise
                + ") THEN 'b' ELSE 'l' END FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()");
        for (String table : tables) {
            sql.append(" UNION ALL SELECT ").append(literal(table)).append(", a.attname::text,")
                    .append(" CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,")
                    .append(" CASE WHEN a.attcollation = 0 THEN 'n' WHEN a.attcollation = 100 THEN 'd'")
                    .append(" WHEN NOT c.collisdeterministic THEN 'x'")
                    .append(" WHEN c.collprovider = 'b' OR (c.collprovider = 'c' AND c.collcollate ").append(bytewise)
                    .append(") THEN 'b' ELSE 'l' END")
                    .append(" FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid")
                    .append(" LEFT JOIN pg_catalog.pg_collation c ON c.oid = a.attcollation")
                    .append(" WHERE a.attrelid = pg_catalog.to_regclass(").append(literal("\"" + table.replace("\"", "\"\"") + "\""))
                    .append(") AND a.attnum > 0 AND NOT a.attisdropped");
        }
        return sql.toString();
    }

    /**
     * Every function name of the database, per schema (pg_catalog's included): rows of (schema, name,
     * whether every function of that name there is an aggregate, whether any is), 't' or 'f'. A
     * name that is both an aggregate and an ordinary function may resolve to either, by its
     * arguments' types and the search path. About 3,000 rows on PostgreSQL 17; read at start and
     * after DDL only.
     */
    public static String functions() {
        return "SELECT n.nspname::text, p.proname::text, pg_catalog.bool_and(p.prokind = 'a'), pg_catalog.bool_or(p.prokind = 'a')"
                + " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
                + " GROUP BY n.nspname, p.proname";
    }

    /**
     * The table's columns in order as rows of (name, type without its modifier, whether the table has
     * rules); no rows when there is no such table.
     */
    public static String insertTarget(String table) {
        return "SELECT a.attname, pg_catalog.format_type(a.atttypid, NULL), c.relhasrules FROM pg_catalog.pg_attribute a"
                + " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid WHERE a.attrelid = pg_catalog.to_regclass('\""
                + table.replace("'", "''").replace("\"", "\"\"") + "\"') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
