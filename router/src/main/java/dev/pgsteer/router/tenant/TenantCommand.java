package dev.pgsteer.router.tenant;

import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import java.util.List;
import java.util.Optional;

/**
 * {@code SET pgsteer.tenant = 'acme'}, {@code RESET pgsteer.tenant} and {@code SHOW pgsteer.tenant}:
 * the proxy's own setting, which chooses the session's tenant. They are answered by the proxy's
 * rules, not by a backend's.
 */
public sealed interface TenantCommand {
    String SETTING = "pgsteer.tenant";

    /** {@code SET pgsteer.tenant TO 'acme'}; a null tenant is {@code SET ... TO DEFAULT}. */
    record Set(String tenant) implements TenantCommand {
    }

    record Reset() implements TenantCommand {
    }

    record Show() implements TenantCommand {
    }

    /** The command {@code sql} is, if it is one; a cheap look at its first letters comes first. */
    static Optional<TenantCommand> parse(String sql) {
        if (!mayBe(sql)) {
            return Optional.empty();
        }
        List<List<SqlTokens.Token>> statements = SqlTokens.of(sql).statements();
        if (statements.size() != 1) {
            return Optional.empty();
        }
        List<SqlTokens.Token> t = statements.getFirst();
        int i = 1;
        String verb = t.getFirst().kind() == Kind.WORD ? t.getFirst().text() : "";
        if (verb.equals("set") && i < t.size() && (t.get(i).is("session") || t.get(i).is("local"))) {
            i++;
        }
        int afterName = nameEnd(t, i);
        if (afterName < 0) {
            return Optional.empty();
        }
        return switch (verb) {
            case "show" -> afterName == t.size() ? Optional.of(new Show()) : Optional.empty();
            case "reset" -> afterName == t.size() ? Optional.of(new Reset()) : Optional.empty();
            case "set" -> {
                if (afterName < t.size() && (t.get(afterName).is("to") || t.get(afterName).isPunct('='))
                        && afterName + 2 == t.size()) {
                    SqlTokens.Token value = t.get(afterName + 1);
                    yield value.is("default") ? Optional.of(new Set(null))
                            : value.kind() == Kind.STRING || value.isName() || value.kind() == Kind.NUMBER || value.kind() == Kind.PARAMETER
                            ? Optional.of(new Set(value.text())) : Optional.empty();
                }
                yield Optional.empty();
            }
            default -> Optional.empty();
        };
    }

    /** Where {@code pgsteer.tenant} (quoted or not) ends if it starts at {@code i}, else -1. */
    private static int nameEnd(List<SqlTokens.Token> t, int i) {
        if (i < t.size() && t.get(i).kind() == Kind.QUOTED_IDENTIFIER && t.get(i).text().equals(SETTING)) {
            return i + 1;
        }
        if (i + 2 < t.size() + 0 && t.get(i).isName() && t.get(i).text().equals("pgsteer") && t.get(i + 1).isPunct('.')
                && t.get(i + 2).isName() && t.get(i + 2).text().equals("tenant")) {
            return i + 3;
        }
        return -1;
    }

    /** Whether the statement starts with SET, RESET or SHOW and mentions pgsteer at all. */
    private static boolean mayBe(String sql) {
        int i = 0;
        int n = sql.length();
        while (i < n && Character.isWhitespace(sql.charAt(i))) {
            i++;
        }
        boolean verb = sql.regionMatches(true, i, "set", 0, 3) || sql.regionMatches(true, i, "reset", 0, 5)
                || sql.regionMatches(true, i, "show", 0, 4);
        return verb && containsIgnoreCase(sql, "pgsteer");
    }

    static boolean containsIgnoreCase(String text, String lowerNeedle) {
        int n = text.length() - lowerNeedle.length();
        for (int i = 0; i <= n; i++) {
            if (text.regionMatches(true, i, lowerNeedle, 0, lowerNeedle.length())) {
                return true;
            }
        }
        return false;
    }
}
