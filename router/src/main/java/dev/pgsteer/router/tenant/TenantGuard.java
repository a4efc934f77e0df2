package dev.pgsteer.router.tenant;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses statements by which a tenant's session would change what the proxy set on its
 * connection, or reach another tenant's schema: SET/RESET of the reserved settings, set_config() of
 * them, SET ROLE, SET SESSION AUTHORIZATION, RESET ALL, DISCARD ALL, names qualified by another
 * tenant's schema, and all of these inside DO blocks and function bodies. It is a lexical check:
 * dynamic SQL assembled from pieces ({@code EXECUTE 'SET search' || '_path ...'}) passes it; only
 * tenant login roles, whose grants PostgreSQL enforces, stop that.
 *
 * <p>{@code reserved} are setting names (lower case); {@code foreignSchemas} the schemas of the
 * other tenants of the same database (lower case as PostgreSQL folds unquoted names; quoted names
 * compare exactly); {@code readOnly} refuses READ WRITE transactions too.
 */
public record TenantGuard(Set<String> reserved, Set<String> foreignSchemas, boolean readOnly) {

    /** Settings no tenant session may change, whatever its mode. */
    public static final Set<String> ALWAYS_RESERVED = Set.of("role", "session_authorization");

    public TenantGuard {
        reserved = Set.copyOf(reserved);
        foreignSchemas = Set.copyOf(foreignSchemas);
    }

    /** Why {@code sql} is refused, or null when it may run. */
    public String check(String sql) {
        return scan(sql, false);
    }

    private String scan(String sql, boolean body) {
        SqlTokens tokens = SqlTokens.of(sql);
        boolean stringsAreCode = body || startsBody(tokens);
        for (List<SqlTokens.Token> statement : tokens.statements()) {
            String refused = statementRefusal(statement, body);
            if (refused != null) {
                return refused;
            }
        }
        List<SqlTokens.Token> all = tokens.tokens();
        for (int i = 0; i < all.size(); i++) {
            SqlTokens.Token t = all.get(i);
            String refused = switch (t.kind()) {
                case DOLLAR -> scan(t.text(), true);
                case STRING -> stringsAreCode ? scan(t.text(), true) : null;
                case WORD, QUOTED -> tokenRefusal(all, i);
                default -> null;
            };
            if (refused != null) {
                return refused;
            }
        }
        return null;
    }

    /** DO '...' and CREATE FUNCTION/PROCEDURE ... AS '...' carry code in string constants. */
    private static boolean startsBody(SqlTokens tokens) {
        SqlTokens.Token first = tokens.get(0);
        if (first == null) {
            return false;
        }
        if (first.is("do")) {
            return true;
        }
        if (!first.is("create")) {
            return false;
        }
        for (int i = 1; i < Math.min(tokens.size(), 5); i++) {
            SqlTokens.Token t = tokens.get(i);
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
        return null;
    }

    private boolean isReserved(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return reserved.contains(lower) || ALWAYS_RESERVED.contains(lower) || lower.startsWith("pgsteer.");
    }

    /** A setting name at {@code at}: {@code search_path}, {@code app.tenant_id}, {@code "app"."tenant_id"}. */
    private static String settingName(List<SqlTokens.Token> t, int at) {
        if (at >= t.size() || !t.get(at).isName()) {
            return null;
        }
        StringBuilder name = new StringBuilder(t.get(at).text());
        int j = at + 1;
        while (j + 1 < t.size() && t.get(j).isPunct('.') && t.get(j + 1).isName()) {
            name.append('.').append(t.get(j + 1).text());
            j += 2;
        }
        return name.toString();
    }

    /** Checks that look at a word wherever it is: set_config() and qualified names. */
    private String tokenRefusal(List<SqlTokens.Token> all, int i) {
        SqlTokens.Token t = all.get(i);
        SqlTokens.Token next = i + 1 < all.size() ? all.get(i + 1) : null;
        if (next == null) {
            return null;
        }
        if (t.kind() == SqlTokens.Kind.WORD && t.text().equals("set_config") && next.isPunct('(')) {
            SqlTokens.Token first = i + 2 < all.size() ? all.get(i + 2) : null;
            SqlTokens.Token after = i + 3 < all.size() ? all.get(i + 3) : null;
            if (first == null || first.kind() != SqlTokens.Kind.STRING || after == null || !after.isPunct(',')) {
                return "set_config() with a setting name computed at run time is refused: pgsteer cannot tell "
                        + "whether it changes a setting it sets for the tenant; name the setting in a constant";
            }
            if (isReserved(first.text())) {
                return "set_config('" + first.text() + "', ...) is refused: pgsteer sets " + first.text()
                        + " for the session's tenant";
            }
            return null;
        }
        if (next.isPunct('.') && !foreignSchemas.isEmpty()) {
            boolean previousIsDot = i > 0 && all.get(i - 1).isPunct('.');
            if (!previousIsDot && foreignSchemas.contains(t.text())) {
                return "the schema " + t.text() + " belongs to another tenant";
            }
        }
        return null;
    }

    private static boolean at(List<SqlTokens.Token> t, int i, String word) {
        return i < t.size() && t.get(i).is(word);
    }
}
