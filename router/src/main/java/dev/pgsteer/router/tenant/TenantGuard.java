package dev.pgsteer.router.tenant;

import static dev.pgsteer.router.tenant.SettingTokens.at;
import static dev.pgsteer.router.tenant.SettingTokens.settingName;
import static dev.pgsteer.router.tenant.SettingTokens.settingNameEnd;
import static dev.pgsteer.router.tenant.SettingTokens.value;

import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses statements by which a tenant's session would change what the proxy set on its
 * connection, or reach another tenant's schema: SET/RESET of the reserved settings, set_config() of
 * them, SET ROLE, SET SESSION AUTHORIZATION, RESET ALL, DISCARD ALL, names qualified by another
 * tenant's schema, the SET clauses of functions, roles and databases, writes to pg_settings, and all
 * of these inside DO blocks and function bodies. It is a lexical check:
 * dynamic SQL assembled from pieces ({@code EXECUTE 'SET search' || '_path ...'}) passes it; only
 * tenant login roles, whose grants PostgreSQL enforces, stop that.
 *
 * <p>{@code reserved} are setting names (lower case); {@code foreignSchemas} the schemas of the
 * other tenants of the same database (lower case as PostgreSQL folds unquoted names; quoted names
 * compare exactly); {@code readOnly} refuses READ WRITE transactions too; {@code sharedTables}
 * (shared mode, where every tenant's rows are in the same tables) refuses what row-level security
 * does not cover: TRUNCATE, and turning the policies off or writing new ones.
 */
public record TenantGuard(Set<String> reserved, Set<String> foreignSchemas, boolean readOnly, boolean sharedTables,
                          boolean roleless) {

    /** Settings no tenant session may change, whatever its mode. */
    public static final Set<String> ALWAYS_RESERVED = Set.of("role", "session_authorization");

    public TenantGuard {
        reserved = Set.copyOf(reserved);
        foreignSchemas = Set.copyOf(foreignSchemas);
    }

    /** A guard for a tenant without a role of its own (where the guard is all there is). */
    public TenantGuard(Set<String> reserved, Set<String> foreignSchemas, boolean readOnly, boolean sharedTables) {
        this(reserved, foreignSchemas, readOnly, sharedTables, true);
    }

    public TenantGuard(Set<String> reserved, Set<String> foreignSchemas, boolean readOnly) {
        this(reserved, foreignSchemas, readOnly, false);
    }

    /** Why {@code sql} is refused, or null when it may run; read with standard_conforming_strings on. */
    public String check(String sql) {
        return check(sql, false);
    }

    /**
     * Why {@code sql} is refused, or null when it may run. {@code backslashQuotes}: the session runs
     * with standard_conforming_strings off, so PostgreSQL reads a backslash in any string constant
     * as an escape. Text with a backslash is also read the other way: code in a body runs later,
     * under whatever value the session has then, and a reading that hides a statement must not win.
     */
    public String check(String sql, boolean backslashQuotes) {
        return Prefilter.mayBeRefused(sql, !foreignSchemas.isEmpty(), readOnly) ? scanText(sql, false, backslashQuotes) : null;
    }

    /**
     * Why a session may not run with this client_encoding, or null. In SJIS, BIG5, GBK, GB18030,
     * UHC and JOHAB the second byte of a character may be 0x5C (a backslash) or another ASCII byte:
     * PostgreSQL reads it as part of the character, a byte-level reading as an escape, so the guard
     * would not see where a string constant ends. A tenant with a role does not depend on the guard.
     */
    public String encodingRefusal(String clientEncoding) {
        return roleless && ClientEncodings.unsafe(clientEncoding)
                ? "client_encoding " + clientEncoding + " is refused for a tenant without a role of its own: its "
                        + "multibyte characters can contain the bytes of a backslash or a quote" : null;
    }

    /**
     * Why {@code sql} may not run in a session with this client_encoding, or null: only text with a
     * character beyond ASCII can hold a multibyte character, so text of ASCII alone reads the same
     * in every encoding (and a client may always send {@code SET client_encoding = 'UTF8'}).
     */
    public String encodingRefusal(String clientEncoding, String sql) {
        if (!roleless || !ClientEncodings.unsafe(clientEncoding)) {
            return null;
        }
        for (int i = 0; i < sql.length(); i++) {
            if (sql.charAt(i) >= 0x80) {
                return encodingRefusal(clientEncoding);
            }
        }
        return null;
    }

    /**
     * Why the FunctionCall message of function {@code oid} is refused, or null. It calls a function by
     * number, without SQL the guard could read ({@code set_config} is OID 2078): a tenant without a
     * role may call only the large-object functions drivers use it for.
     */
    public String functionCallRefusal(int oid) {
        return roleless && !LargeObjectFunctions.contains(oid)
                ? "the FunctionCall message (function OID " + oid + ") is refused for a tenant without a role of its "
                        + "own, except for the large-object functions; call the function in SQL instead" : null;
    }

    /** {@code text} read with {@code backslashQuotes}, and, when it has a backslash, the other way too. */
    private String scanText(String text, boolean body, boolean backslashQuotes) {
        String refused = scan(SqlTokens.of(text, backslashQuotes), body, backslashQuotes);
        if (refused == null && text.indexOf('\\') >= 0) {
            refused = scan(SqlTokens.of(text, !backslashQuotes), body, !backslashQuotes);
        }
        return refused;
    }

    /** Every statement of the text, each with the code its bodies carry. */
    private String scan(SqlTokens tokens, boolean body, boolean backslashQuotes) {
        for (List<SqlTokens.Token> statement : tokens.statements()) {
            String refused = statementRefusal(statement, body);
            if (refused == null) {
                refused = tokensRefusal(statement, body || startsBody(statement), backslashQuotes);
            }
            if (refused != null) {
                return refused;
            }
        }
        return null;
    }

    /**
     * The checks of every token of one statement; where {@code stringsAreCode} (a body), string
     * constants are read as code, and so are constants joined by {@code ||}: {@code EXECUTE 'SET
     * RO' || 'LE x'} runs what the joined text says.
     */
    private String tokensRefusal(List<SqlTokens.Token> all, boolean stringsAreCode, boolean backslashQuotes) {
        for (int i = 0; i < all.size(); i++) {
            SqlTokens.Token t = all.get(i);
            String refused = switch (t.kind()) {
                case DOLLAR_STRING -> scanText(t.text(), true, backslashQuotes);
                case STRING -> stringsAreCode ? scanText(t.text(), true, backslashQuotes) : null;
                case WORD, QUOTED_IDENTIFIER -> tokenRefusal(all, i);
                case NUMBER, PARAMETER, PUNCT, END -> null;
            };
            if (refused == null && stringsAreCode && t.isConstant() && concatenatedAt(all, i + 1)) {
                StringBuilder joined = new StringBuilder(t.text());
                int j = i + 1;
                while (concatenatedAt(all, j)) {
                    joined.append(all.get(j + 2).text());
                    j += 3;
                }
                refused = scanText(joined.toString(), true, backslashQuotes);
            }
            if (refused != null) {
                return refused;
            }
        }
        return null;
    }

    /** {@code || 'constant'} at {@code i}. */
    private static boolean concatenatedAt(List<SqlTokens.Token> t, int i) {
        return i + 2 < t.size() && t.get(i).isPunct('|') && t.get(i + 1).isPunct('|')
                && t.get(i + 2).isConstant();
    }

    /**
     * DO '...' and CREATE FUNCTION/PROCEDURE ... AS '...' carry code in string constants, wherever
     * the statement is in the text ({@code SELECT 1; DO '...'}).
     */
    private static boolean startsBody(List<SqlTokens.Token> statement) {
        SqlTokens.Token first = statement.getFirst();
        if (first.is("do")) {
            return true;
        }
        if (!first.is("create")) {
            return false;
        }
        for (int i = 1; i < Math.min(statement.size(), 5); i++) {
            SqlTokens.Token t = statement.get(i);
            if (t.is("function") || t.is("procedure")) {
                return true;
            }
        }
        return false;
    }

    /**
     * SET, RESET and DISCARD are checked where a statement starts: at the head of the text, or,
     * inside a body, after a PL/pgSQL keyword that starts one ({@code BEGIN SET search_path ...}).
     * Not after a name: {@code UPDATE users SET role = 'admin'} sets a column.
     */
    private String statementRefusal(List<SqlTokens.Token> statement, boolean body) {
        String settingsView = settingsViewRefusal(statement);
        if (settingsView != null) {
            return settingsView;
        }
        for (int i = 0; i < statement.size(); i++) {
            boolean head = i == 0 || body && startsPlpgsqlStatement(statement.get(i - 1));
            if (!head) {
                continue;
            }
            String refused = commandRefusal(statement, i);
            if (refused != null) {
                return refused;
            }
            if (!body) {
                return null;
            }
        }
        return null;
    }

    private static boolean startsPlpgsqlStatement(SqlTokens.Token previous) {
        return previous.is("begin") || previous.is("then") || previous.is("else") || previous.is("loop")
                || previous.is("declare");
    }

    private String commandRefusal(List<SqlTokens.Token> t, int i) {
        SqlTokens.Token verb = t.get(i);
        if (sharedTables) {
            String refused = SharedTables.refusal(t, i);
            if (refused != null) {
                return refused;
            }
        }
        if (verb.is("alter")) {
            String moved = schemaMoveRefusal(t, i);
            if (moved != null) {
                return moved;
            }
        }
        if (verb.is("create") || verb.is("alter")) {
            return settingClauseRefusal(t, i);
        }
        if (verb.is("discard") && at(t, i + 1, "all")) {
            return "DISCARD ALL would drop what pgsteer set for this tenant; DISCARD PLANS, SEQUENCES and TEMP are allowed";
        }
        if (verb.is("reset")) {
            if (at(t, i + 1, "session") && at(t, i + 2, "authorization")) {
                return "RESET SESSION AUTHORIZATION would change who the tenant's statements run as";
            }
            if (at(t, i + 1, "all")) {
                return "RESET ALL would drop what pgsteer set for this tenant; RESET the settings you changed one by one";
            }
            return settingRefusal(t, i + 1, "RESET");
        }
        if (verb.is("set")) {
            int j = i + 1;
            if (at(t, j, "session") && at(t, j + 1, "authorization")) {
                return "SET SESSION AUTHORIZATION would change who the tenant's statements run as";
            }
            if (at(t, j, "session") && at(t, j + 1, "characteristics")) {
                return readOnly && readWrite(t, j) ? readOnlyRefusal() : null;
            }
            if (at(t, j, "session") || at(t, j, "local")) {
                j++;
            }
            if (at(t, j, "session") && at(t, j + 1, "authorization")) {
                return "SET SESSION AUTHORIZATION would change who the tenant's statements run as";
            }
            if (at(t, j, "transaction")) {
                return readOnly && readWrite(t, j) ? readOnlyRefusal() : null;
            }
            return settingRefusal(t, j, "SET");
        }
        if (readOnly && (verb.is("begin") || verb.is("start")) && readWrite(t, i)) {
            return readOnlyRefusal();
        }
        return null;
    }

    /**
     * The SET clauses of CREATE FUNCTION/PROCEDURE and of ALTER FUNCTION/PROCEDURE/ROUTINE/ROLE/
     * USER/DATABASE: a function declared {@code SET search_path = beta} runs with beta's path
     * whenever it is called, and a role's or database's default applies to every new connection.
     * A SQL-standard body ({@code BEGIN ATOMIC ... END}) ends the clauses: an UPDATE ... SET in it
     * sets columns.
     */
    private String settingClauseRefusal(List<SqlTokens.Token> t, int i) {
        int k = i + 1;
        boolean create = t.get(i).is("create");
        if (create && at(t, k, "or") && at(t, k + 1, "replace")) {
            k += 2;
        }
        boolean routine = at(t, k, "function") || at(t, k, "procedure") || !create && at(t, k, "routine");
        boolean defaults = !create && (at(t, k, "role") || at(t, k, "user") || at(t, k, "database"));
        if (!routine && !defaults) {
            return null;
        }
        for (int j = k + 1; j < t.size(); j++) {
            if (t.get(j).is("begin") && at(t, j + 1, "atomic")) {
                return null;
            }
            if (t.get(j).is("set") && at(t, j + 1, "schema") && j + 2 < t.size() && t.get(j + 2).isName()) {
                // ALTER FUNCTION f() SET SCHEMA other moves the function (schemaMoveRefusal); only
                // SET SCHEMA 'x', with a constant, is search_path.
                continue;
            }
            String refused = t.get(j).is("set") ? settingRefusal(t, j + 1, "SET")
                    : t.get(j).is("reset") ? settingRefusal(t, j + 1, "RESET") : null;
            if (refused != null) {
                return refused + (routine ? " (in a function's SET clause)" : " (as a default of new sessions)");
            }
        }
        return null;
    }

    /**
     * {@code UPDATE pg_settings SET setting = ...} calls set_config() through the view's rule, and a
     * view made over pg_settings would do the same: pg_settings may be read, not written nor built upon.
     */
    private String settingsViewRefusal(List<SqlTokens.Token> statement) {
        boolean settings = false;
        boolean writes = false;
        for (SqlTokens.Token t : statement) {
            settings |= t.isName() && t.text().equals("pg_settings");
            writes |= t.is("update") || t.is("create") || t.is("rule");
        }
        return settings && writes
                ? "writing pg_settings, or building on it, is refused: it changes settings as set_config() does" : null;
    }

    private static boolean readWrite(List<SqlTokens.Token> t, int from) {
        for (int k = from; k + 1 < t.size(); k++) {
            if (t.get(k).is("read") && t.get(k + 1).is("write")) {
                return true;
            }
        }
        return false;
    }

    private static String readOnlyRefusal() {
        return "this tenant is read-only: READ WRITE transactions are refused";
    }

    /**
     * {@code ALTER TABLE/FUNCTION/VIEW/... x SET SCHEMA other}: moving an object into another
     * tenant's schema plants it there, where that tenant's unqualified names find it first.
     */
    private String schemaMoveRefusal(List<SqlTokens.Token> t, int i) {
        for (int j = i + 1; j + 2 < t.size(); j++) {
            if (t.get(j).is("set") && t.get(j + 1).is("schema") && t.get(j + 2).isName()
                    && foreignSchemas.contains(t.get(j + 2).text())) {
                return "the schema " + t.get(j + 2).text() + " belongs to another tenant";
            }
        }
        return null;
    }

    private String settingRefusal(List<SqlTokens.Token> t, int at, String verb) {
        String name = settingName(t, at);
        if (name == null) {
            return null;
        }
        if (name.equals("role") || name.equals("session_authorization")) {
            return verb + " " + name.toUpperCase(Locale.ROOT) + " would change who the tenant's statements run as";
        }
        if (isReserved(name)) {
            return verb + " " + name + " is refused: pgsteer sets " + name + " for the session's tenant";
        }
        if (name.equals("client_encoding") && verb.equals("SET")) {
            return encodingValueRefusal(value(t, settingNameEnd(t, at)));
        }
        return null;
    }

    /** A client_encoding set from a constant, refused if unsafe; from anything else, refused for a role-less tenant. */
    private String encodingValueRefusal(SqlTokens.Token value) {
        if (!roleless || value != null && value.is("default")) {
            return null;
        }
        if (value == null || value.kind() == Kind.PUNCT || value.kind() == Kind.DOLLAR_STRING) {
            return "client_encoding set from anything but a constant is refused for a tenant without a role of its own";
        }
        return encodingRefusal(value.text());
    }

    private boolean isReserved(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return reserved.contains(lower) || ALWAYS_RESERVED.contains(lower) || lower.startsWith("pgsteer.");
    }

    /** Checks that look at a word wherever it is: set_config() and qualified names. */
    private String tokenRefusal(List<SqlTokens.Token> all, int i) {
        SqlTokens.Token t = all.get(i);
        SqlTokens.Token next = i + 1 < all.size() ? all.get(i + 1) : null;
        if (next == null) {
            return null;
        }
        if (t.isName() && t.text().equals("set_config") && next.isPunct('(')) {
            SqlTokens.Token first = i + 2 < all.size() ? all.get(i + 2) : null;
            SqlTokens.Token after = i + 3 < all.size() ? all.get(i + 3) : null;
            if (first == null || first.kind() != Kind.STRING || after == null || !after.isPunct(',')) {
                return "set_config() with a setting name computed at run time is refused: pgsteer cannot tell "
                        + "whether it changes a setting it sets for the tenant; name the setting in a constant";
            }
            if (isReserved(first.text())) {
                return "set_config('" + first.text() + "', ...) is refused: pgsteer sets " + first.text()
                        + " for the session's tenant";
            }
            if (first.text().equalsIgnoreCase("client_encoding")) {
                SqlTokens.Token value = i + 4 < all.size() ? all.get(i + 4) : null;
                boolean constant = value != null && value.kind() == Kind.STRING && at(all, i + 5, ",");
                return encodingValueRefusal(constant ? value : null);
            }
            return null;
        }
        // Any part but the last of a qualified name: schema.table, and db.schema.table too.
        if (next.isPunct('.') && !foreignSchemas.isEmpty() && foreignSchemas.contains(t.text())) {
            return "the schema " + t.text() + " belongs to another tenant";
        }
        return null;
    }
}
