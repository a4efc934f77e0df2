package dev.pgsteer.proxy.sharding.shards;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a shard's schema from its catalog into a {@link SchemaScript}: PostgreSQL prints the
 * definitions itself ({@code pg_get_constraintdef}, {@code pg_get_indexdef}, {@code pg_get_viewdef},
 * {@code pg_get_functiondef}, {@code format_type}, {@code pg_get_expr}), so the new shard gets what
 * the default shard has, without a {@code pg_dump} that pgsteer would have to find. The connection must
 * be in a transaction with an empty {@code search_path}, so every name is printed with its schema.
 */
final class SourceSchema {
    private SourceSchema() {
    }

    /** The objects a copy does not make ({@code trigger "audit" on public.orders}, ...), none when it can copy all. */
    static List<String> notCopied(Connection source) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(CatalogSql.NOT_COPIED)) {
            while (rs.next()) {
                found.add(rs.getString(1) + " " + rs.getString(2));
            }
        }
        return found;
    }

    /** User tables, views and other relations: none on a server that is to become a shard by a copy. */
    static List<String> relations(Connection connection) throws SQLException {
        return strings(connection, CatalogSql.RELATIONS);
    }

    /** A plain table: {@code name} as PostgreSQL quotes it with its schema, {@code bare} its name alone. */
    record Table(String name, String bare) {
    }

    /** The plain tables. */
    static List<Table> tables(Connection connection) throws SQLException {
        List<Table> tables = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(CatalogSql.TABLES)) {
            while (rs.next()) {
                tables.add(new Table(rs.getString("name"), rs.getString("relname")));
            }
        }
        return tables;
    }

    static SchemaScript read(Connection source) throws SQLException {
        List<String> before = new ArrayList<>();
        List<String> tables = new ArrayList<>();
        List<String> constraints = new ArrayList<>();
        List<String> indexes = new ArrayList<>();
        List<String> deferred = new ArrayList<>();
        List<String> foreignKeys = new ArrayList<>();
        List<String> after = new ArrayList<>();
        int extensions = 0;
        int schemas = 0;
        int types = 0;
        int sequences = 0;
        int views = 0;
        int functions = 0;
        try (Statement st = source.createStatement()) {
            for (String schema : strings(source, CatalogSql.SCHEMAS)) {
                before.add("CREATE SCHEMA IF NOT EXISTS " + ident(schema));
                schemas++;
            }
            try (ResultSet rs = st.executeQuery(CatalogSql.EXTENSIONS)) {
                while (rs.next()) {
                    before.add("CREATE EXTENSION IF NOT EXISTS " + ident(rs.getString(1)) + " WITH SCHEMA " + ident(rs.getString(2)));
                    extensions++;
                }
            }
            try (ResultSet rs = st.executeQuery(CatalogSql.ENUMS)) {
                while (rs.next()) {
                    List<String> labels = new ArrayList<>();
                    for (Object label : (Object[]) rs.getArray("labels").getArray()) {
                        labels.add(literal((String) label));
                    }
                    before.add("CREATE TYPE " + rs.getString("name") + " AS ENUM (" + String.join(", ", labels) + ")");
                    types++;
                }
            }
            try (ResultSet rs = st.executeQuery(CatalogSql.SEQUENCES)) {
                while (rs.next()) {
                    String name = rs.getString("name");
                    before.add("CREATE SEQUENCE " + name + " AS " + rs.getString("data_type") + " INCREMENT BY " + rs.getLong("increment_by")
                            + " MINVALUE " + rs.getLong("min_value") + " MAXVALUE " + rs.getLong("max_value") + " START WITH "
                            + rs.getLong("start_value") + " CACHE " + rs.getLong("cache_size") + (rs.getBoolean("cycle") ? " CYCLE" : " NO CYCLE"));
                    String ownedBy = rs.getString("owned_by");
                    if (ownedBy != null) {
                        after.add("ALTER SEQUENCE " + name + " OWNED BY " + ownedBy);
                    }
                    long last = rs.getLong("last_value");
                    if (!rs.wasNull()) {
                        after.add("SELECT pg_catalog.setval(" + literal(name) + ", " + last + ", true)");
                    }
                    sequences++;
                }
            }
            try (ResultSet rs = st.executeQuery(CatalogSql.FUNCTIONS)) {
                while (rs.next()) {
                    (rs.getBoolean("atomic") ? deferred : before).add(rs.getString("def"));
                    functions++;
                }
            }
            try (ResultSet rs = st.executeQuery(CatalogSql.TABLES)) {
                while (rs.next()) {
                    tables.add(createTable(source, rs.getLong("oid"), rs.getString("name"), "u".equals(rs.getString("relpersistence")),
                            rs.getArray("options")));
                }
            }
            try (ResultSet rs = st.executeQuery(CatalogSql.CONSTRAINTS)) {
                while (rs.next()) {
                    String sql = "ALTER TABLE " + rs.getString("table_name") + " ADD CONSTRAINT " + rs.getString("conname") + " "
                            + rs.getString("def");
                    ("f".equals(rs.getString("contype")) ? foreignKeys : constraints).add(sql);
                }
            }
            indexes.addAll(strings(source, CatalogSql.INDEXES));
            try (ResultSet rs = st.executeQuery(CatalogSql.VIEWS)) {
                while (rs.next()) {
                    String def = rs.getString("def").strip();
                    if (def.endsWith(";")) {
                        def = def.substring(0, def.length() - 1);
                    }
                    deferred.add("CREATE VIEW " + rs.getString("name") + options(rs.getArray("options")) + " AS " + def);
                    views++;
                }
            }
            try (ResultSet rs = st.executeQuery(CatalogSql.IDENTITY_VALUES)) {
                while (rs.next()) {
                    after.add("SELECT pg_catalog.setval(" + literal(rs.getString("name")) + ", " + rs.getLong("last_value") + ", true)");
                }
            }
        }
        return new SchemaScript(before, tables, constraints, indexes, deferred, foreignKeys, after,
                new SchemaScript.Counts(extensions, schemas, types, sequences, tables.size(), constraints.size() + foreignKeys.size(),
                        indexes.size(), views, functions));
    }

    private static String createTable(Connection source, long oid, String name, boolean unlogged, Array options) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement st = source.prepareStatement(CatalogSql.COLUMNS)) {
            st.setLong(1, oid);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    columns.add(column(rs));
                }
            }
        }
        return "CREATE " + (unlogged ? "UNLOGGED " : "") + "TABLE " + name + " (" + String.join(", ", columns) + ")" + options(options);
    }

    private static String column(ResultSet rs) throws SQLException {
        StringBuilder sql = new StringBuilder(ident(rs.getString("attname"))).append(' ').append(rs.getString("type"));
        String collation = rs.getString("collation");
        if (collation != null) {
            sql.append(" COLLATE ").append(collation);
        }
        String expr = rs.getString("expr");
        String generated = rs.getString("attgenerated");
        String identity = rs.getString("attidentity");
        if ("s".equals(generated)) {
            sql.append(" GENERATED ALWAYS AS (").append(expr).append(") STORED");
        } else if (expr != null) {
            sql.append(" DEFAULT ").append(expr);
        }
        if ("a".equals(identity) || "d".equals(identity)) {
            sql.append(" GENERATED ").append("a".equals(identity) ? "ALWAYS" : "BY DEFAULT").append(" AS IDENTITY (SEQUENCE NAME ")
                    .append(rs.getString("sequence")).append(" START WITH ").append(rs.getLong("seqstart"))
                    .append(" INCREMENT BY ").append(rs.getLong("seqincrement")).append(" MINVALUE ").append(rs.getLong("seqmin"))
                    .append(" MAXVALUE ").append(rs.getLong("seqmax")).append(" CACHE ").append(rs.getLong("seqcache"))
                    .append(rs.getBoolean("seqcycle") ? " CYCLE" : " NO CYCLE").append(')');
        }
        if (rs.getBoolean("attnotnull")) {
            sql.append(" NOT NULL");
        }
        return sql.toString();
    }

    private static String options(Array options) throws SQLException {
        if (options == null) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (Object option : (Object[]) options.getArray()) {
            parts.add((String) option);
        }
        return parts.isEmpty() ? "" : " WITH (" + String.join(", ", parts) + ")";
    }

    private static List<String> strings(Connection connection, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
