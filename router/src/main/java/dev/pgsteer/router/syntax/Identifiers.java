package dev.pgsteer.router.syntax;

import java.util.Locale;
import net.sf.jsqlparser.schema.Table;

/** Names in JSQLParser's tree as PostgreSQL reads them: folded, and told apart from the catalogs. */
public final class Identifiers {
    private Identifiers() {
    }

    /** An identifier as PostgreSQL folds it: quoted ones keep their case, others are lower-cased. */
    public static String identifier(String raw) {
        if (raw.length() >= 2 && raw.charAt(0) == '"' && raw.charAt(raw.length() - 1) == '"') {
            return raw.substring(1, raw.length() - 1).replace("\"\"", "\"");
        }
        return raw.toLowerCase(Locale.ROOT);
    }

    /** A table of pg_catalog or information_schema, named with its schema or by its pg_ prefix. */
    public static boolean isCatalog(Table table) {
        String schema = table.getSchemaName() == null ? null : identifier(table.getSchemaName());
        if (schema != null) {
            return schema.equals("pg_catalog") || schema.equals("information_schema");
        }
        return identifier(table.getName()).startsWith("pg_");
    }

    /** The table's folded name for a message, {@code ?} without one. */
    public static String name(Table table) {
        return table == null ? "?" : identifier(table.getName());
    }
}
