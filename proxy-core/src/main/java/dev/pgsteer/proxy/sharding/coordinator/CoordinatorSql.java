package dev.pgsteer.proxy.sharding.coordinator;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The statements of the coordinator step, as text. A table's qualified name is read from the
 * catalog before its temporary table exists (once it does, the plain name means the temporary
 * table: {@code pg_temp} comes first in the search path for tables).
 */
public final class CoordinatorSql {
    /**
     * The coordinator's own transaction: read-write whatever the session's defaults say (temporary
     * tables cannot be made in a read-only one), made read-only before the client's statement runs.
     */
    private static final String BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE";
    /**
     * Before the client's statement: a SELECT that would write (a function that inserts, nextval)
     * fails with PostgreSQL's 25006 rather than write in a transaction that is rolled back. The
     * temporary tables may still be written (COPY FROM), as PostgreSQL allows in read-only transactions.
     */
    private static final String READ_ONLY = "SET TRANSACTION READ ONLY";
    /**
     * Raises {@code temp_buffers} to {@code mb} MB ({@code databases.<name>.coordinator.temp_buffers})
     * for this transaction, where the connection has not yet used temporary tables (after that the
     * server keeps the size it started them with, and refuses another: 22023, caught, nothing changes)
     * and where it is smaller. Why: a temporary table lives in its backend's local buffers (8 MB by
     * default); a larger one is read through the operating system block by block, and written out as it
     * is filled. At TPC-H SF 0.2, over 300,000 pulled orders: ANALYZE 98 -> 79 ms, a scan 114 -> 64 ms,
     * filling 650,000 lineitems 553 -> 383 ms. The buffers are taken as needed and kept by the backend
     * until it ends: a pooled coordinator connection that once pulled that much holds up to {@code mb}
     * MB. A DO block, as only PL/pgSQL can catch the error (sent only where the catalog query found it
     * usable: {@link #qualifiedNames}).
     */
    static String tempBuffers(int mb) {
        return "DO $pgsteer$BEGIN"
                + " IF pg_catalog.pg_size_bytes(pg_catalog.current_setting('temp_buffers')) < " + (long) mb * 1024 * 1024 + " THEN"
                + " PERFORM pg_catalog.set_config('temp_buffers', '" + mb + "MB', true);"
                + " END IF; EXCEPTION WHEN invalid_parameter_value THEN NULL; END$pgsteer$";
    }

    /**
     * Once every row is in: the temporary tables' statistics and indexes ({@link TemporaryIndexes}),
     * then the transaction made read-only for the client's statement (temporary tables cannot be made
     * or indexed in a read-only transaction, but they can be filled).
     */
    public static String beforeStatement(List<String> prepare) {
        StringBuilder sql = new StringBuilder();
        for (String statement : prepare) {
            sql.append(statement).append("; ");
        }
        return sql.append(READ_ONLY).toString();
    }

    /** A custom setting's name ({@code app.tenant}) as a string constant, or after SET LOCAL. */
    private static final Pattern CUSTOM_NAME = Pattern.compile(
            "(?i)(?:'|\\bSET\\s+LOCAL\\s+)([a-z_][a-z0-9_$]*\\.[a-z_][a-z0-9_$.]*)(?:'|\\s|=|$)");

    private CoordinatorSql() {
    }

    /**
     * The custom settings (which pg_settings does not list) named in {@code texts}: in a string
     * constant, as {@code current_setting('app.tenant')} reads one, or set by SET LOCAL. Lexical,
     * and a superset: a name that is no setting reads NULL and is left alone.
     */
    public static Set<String> customSettingNames(List<String> texts) {
        Set<String> names = new LinkedHashSet<>();
        for (String text : texts) {
            Matcher matcher = CUSTOM_NAME.matcher(text);
            while (matcher.find()) {
                names.add(matcher.group(1).toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    /**
     * One row per table name (exact, as the analysis folded it), in order: its schema-qualified,
     * quoted name, its quoted plain name, as the search path resolves it, the name asked for, its
     * columns in order (quoted, comma-separated: {@link PullStatements#columns}), its plain indexes
     * ({@link TemporaryIndexes#catalogColumn}), its columns' type OIDs (comma-separated, in the same
     * order), the catalog's estimate of its rows, its schema's name as the catalog spells it, and its
     * collatable columns (quoted, comma-separated; null when none: {@link TemporaryIndexes#analyze}), and
     * whether this login may run PL/pgSQL ({@link #tempBuffers}; the same on every row). No row: no such
     * relation.
     */
    public static String qualifiedNames(List<String> tables) {
        String names = tables.stream().map(CoordinatorSql::literal).collect(Collectors.joining(", "));
        return "SELECT format('%I.%I', n.nspname, c.relname), format('%I', c.relname), t.name,"
                + " (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ',' ORDER BY a.attnum)"
                + " FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), "
                + TemporaryIndexes.catalogColumn() + ","
                + " (SELECT pg_catalog.string_agg(a.atttypid::text, ',' ORDER BY a.attnum)"
                + " FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),"
                + " c.reltuples::text, n.nspname::text,"
                + " (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ',' ORDER BY a.attnum)"
                + " FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                + " AND a.attcollation <> 0),"
                + " EXISTS (SELECT 1 FROM pg_catalog.pg_language l WHERE l.lanname = 'plpgsql'"
                + " AND pg_catalog.has_language_privilege(l.oid, 'USAGE'))::text"
                + " FROM unnest(ARRAY[" + names + "]::text[]) WITH ORDINALITY AS t(name, i)"
                + " JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(t.name))"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY t.i";
    }

    /**
     * Opens the coordinator's own transaction and makes the temporary tables in it, filled with the
     * coordinator shard's own rows (but for a table whose conditions hold the client's parameters,
     * which {@link LocalFill} fills next). ON COMMIT DROP: whatever ends the transaction (the step's
     * ROLLBACK, an error, a connection closed or rolled back when the client leaves) drops them, so
     * no pooled connection keeps a table that would shadow a sharded one.
     */
    public static String createAndFillLocally(List<PullStatements> tables) {
        return createAndFillLocally(tables, Set.of());
    }

    /** As {@link #createAndFillLocally(List)}, leaving the tables of {@code later} (indexes) empty: they are filled in a second round. */
    public static String createAndFillLocally(List<PullStatements> tables, Set<Integer> later) {
        return createAndFillLocally(tables, later, 0);
    }

    /** As {@link #createAndFillLocally(List, Set)}; {@code tempBuffersMb} above 0: with {@link #tempBuffers} first. */
    public static String createAndFillLocally(List<PullStatements> tables, Set<Integer> later, int tempBuffersMb) {
        StringBuilder sql = new StringBuilder(BEGIN);
        if (tempBuffersMb > 0) {
            sql.append("; ").append(tempBuffers(tempBuffersMb));
        }
        for (int i = 0; i < tables.size(); i++) {
            PullStatements table = tables.get(i);
            sql.append("; ").append(table.create());
            if (table.withParameters() == null && !later.contains(i)) {
                sql.append("; ").append(table.fillLocally());
            }
        }
        return sql.toString();
    }

    /**
     * As {@link #createAndFillLocally}, on a connection apart from the session's (inside the session's
     * transaction block): the tables stay empty, every row comes over the session's own connections,
     * which see what its transaction wrote. {@code settings} (may be null) first makes this
     * transaction's settings the session's.
     */
    public static String createEmpty(String settings, List<PullStatements> tables) {
        return createEmpty(settings, tables, 0);
    }

    /** As {@link #createEmpty(String, List)}; {@code tempBuffersMb} above 0: with {@link #tempBuffers} after the settings (it only raises). */
    public static String createEmpty(String settings, List<PullStatements> tables, int tempBuffersMb) {
        StringBuilder sql = new StringBuilder(BEGIN);
        if (settings != null) {
            // Before the tables: under the session's role they are its own, as its statement expects.
            sql.append("; ").append(settings);
        }
        if (tempBuffersMb > 0) {
            sql.append("; ").append(tempBuffers(tempBuffersMb));
        }
        for (PullStatements table : tables) {
            sql.append("; ").append(table.create());
        }
        return sql.toString();
    }

    /**
     * Every setting a session can change, by name and value as {@code current_setting} spells it
     * (transaction characteristics apart: the coordinator's transaction has its own), plus the
     * settings {@code named} (custom ones, which pg_settings does not list; NULL where undefined),
     * the session authorization and the role.
     */
    public static String settings(Collection<String> named) {
        StringBuilder sql = new StringBuilder("SELECT name, pg_catalog.current_setting(name) FROM pg_catalog.pg_settings"
                + " WHERE context IN ('user', 'superuser')"
                + " AND name NOT IN ('transaction_isolation', 'transaction_read_only', 'transaction_deferrable')"
                + " UNION ALL SELECT n, pg_catalog.current_setting(n, true) FROM pg_catalog.unnest(ARRAY[");
        named.forEach(name -> sql.append(literal(name)).append(", "));
        return sql.append("'session_authorization', 'role']::pg_catalog.text[]) AS n").toString();
    }

    /** Sets {@code settings} for the current transaction only, in order; null when there are none. */
    public static String setLocally(Map<String, String> settings) {
        if (settings.isEmpty()) {
            return null;
        }
        return settings.entrySet().stream()
                .map(e -> "pg_catalog.set_config(" + literal(e.getKey()) + ", " + literal(e.getValue()) + ", true)")
                .collect(Collectors.joining(", ", "SELECT ", ""));
    }

    /** A string constant read the same whatever standard_conforming_strings says. */
    static String literal(String text) {
        String quoted = text.replace("'", "''");
        return quoted.indexOf('\\') >= 0 ? "E'" + quoted.replace("\\", "\\\\") + "'" : "'" + quoted + "'";
    }
}
