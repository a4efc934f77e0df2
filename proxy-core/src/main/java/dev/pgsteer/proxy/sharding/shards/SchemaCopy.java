package dev.pgsteer.proxy.sharding.shards;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * One schema's definitions (or a whole database's) copied from a server to another, as ADD SHARD copies a whole database
 * ({@link SourceSchema}, restricted to the schema by {@link CatalogSql#ONLY_SCHEMA}): what MOVE TENANT
 * makes on its target before the tenant's rows are replicated there. No rows: the move's subscription
 * copies them. Both connections in auto-commit; each side runs in a transaction of its own.
 */
public final class SchemaCopy {
    private SchemaCopy() {
    }

    /** The schema's objects the copy does not make ({@code trigger "audit" on acme.orders}, ...): none when it can copy all. */
    public static List<String> notCopied(Connection source, String schema) throws SQLException {
        return inSchema(source, schema, () -> SourceSchema.notCopied(source));
    }

    /**
     * Makes {@code schema}'s tables, indexes, constraints, sequences, views and functions on {@code target}
     * as role {@code owner} (so that it owns them, as on the source), which the target's login must be able to become.
     */
    public static void copy(Connection source, Connection target, String schema, String owner) throws SQLException {
        // The schema is the caller's to make (owned as on the source): the owner may not CREATE SCHEMA, even IF NOT EXISTS.
        apply(inSchema(source, schema, () -> SourceSchema.read(source)), target, owner);
    }

    /** What the copy of a whole database ({@link #copyDatabase}) does not make: none when it can copy all. */
    public static List<String> notCopiedInDatabase(Connection source) throws SQLException {
        return inSchema(source, null, () -> SourceSchema.notCopied(source));
    }

    /**
     * Makes the definitions of every user schema of {@code source}'s database on {@code target}'s (a database
     * tenant's, moved by MOVE TENANT) as role {@code owner}, as {@link #copy} does one schema's. The schemas
     * themselves are the caller's to make, owned as on the source.
     */
    public static void copyDatabase(Connection source, Connection target, String owner) throws SQLException {
        apply(inSchema(source, null, () -> SourceSchema.read(source)), target, owner);
    }

    private static void apply(SchemaScript read, Connection target, String owner) throws SQLException {
        SchemaScript script = new SchemaScript(read.before().stream().filter(sql -> !sql.startsWith("CREATE SCHEMA ")).toList(),
                read.tables(), read.constraints(), read.indexes(), read.deferred(), read.foreignKeys(), read.after(), read.counts());
        target.setAutoCommit(false);
        try {
            try (Statement st = target.createStatement()) {
                st.execute("SET LOCAL ROLE " + SourceSchema.ident(owner));
            }
            script.applyDefinitions(target);
            script.applyConstraintsAfterRows(target);
            target.commit();
        } catch (SQLException | RuntimeException e) {
            target.rollback();
            throw e;
        } finally {
            target.setAutoCommit(true);
        }
    }

    private interface Read<T> {
        T read() throws SQLException;
    }

    private static <T> T inSchema(Connection source, String schema, Read<T> read) throws SQLException {
        source.setAutoCommit(false);
        try (Statement st = source.createStatement()) {
            st.execute("SET LOCAL search_path = ''");
            if (schema != null) {   // null: every user schema, as ADD SHARD reads them
                st.execute("SELECT pg_catalog.set_config('" + CatalogSql.ONLY_SCHEMA + "', " + SourceSchema.literal(schema) + ", true)");
            }
            T result = read.read();
            source.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            source.rollback();
            throw e;
        } finally {
            source.setAutoCommit(true);
        }
    }
}
