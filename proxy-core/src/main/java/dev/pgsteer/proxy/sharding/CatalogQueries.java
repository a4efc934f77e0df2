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
