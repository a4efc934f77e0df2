package dev.pgsteer.router.session;

import dev.pgsteer.router.session.SessionStateScanner.Effects;
import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import dev.pgsteer.router.sql.SqlTokenizer;
import java.util.Locale;

/** The functions whose calls change a session's state: set_config() (unless transaction-local) and the session advisory locks. */
final class FunctionCalls {
    private FunctionCalls() {
    }

    /** set_config(name, value, is_local) unless is_local is true; the session advisory locks. */
    static void functionCall(SqlTokenizer t, Effects effects) {
        if (t.kind() == Kind.WORD) {
            if (t.isWordStartingWith("pg_advisory_lock") || t.isWordStartingWith("pg_try_advisory_lock")) {
                effects.pins("a session advisory lock");
            } else if (t.isWord("set_config")) {
                setConfig(t, effects);
            }
        } else if (t.kind() == Kind.QUOTED_IDENTIFIER) {
            if (SessionStateScanner.quotedIs(t, "set_config")) {
                setConfig(t, effects);
            } else if (SessionStateScanner.quotedStartsWith(t, "pg_advisory_lock") || SessionStateScanner.quotedStartsWith(t, "pg_try_advisory_lock")) {
                effects.pins("a session advisory lock");
            }
        }
    }

    /**
     * Reads set_config's arguments: a third argument that is the constant true makes it
     * transaction-local (nothing to carry); anything else may change the session's settings.
     */
    private static void setConfig(SqlTokenizer t, Effects effects) {
        if (t.next() != Kind.PUNCT || !t.isPunct('(')) {
            return;
        }
        int depth = 1;
        int argument = 1;
        int tokensInFirst = 0;
        String name = null;
        int tokensInThird = 0;
        boolean thirdIsTrue = false;
        while (t.next() != Kind.END) {
            if (t.isPunct('(')) {
                depth++;
            } else if (t.isPunct(')')) {
                if (--depth == 0) {
                    break;
                }
            } else if (t.isPunct(',') && depth == 1) {
                argument++;
                continue;
            }
            if (argument == 1) {
                tokensInFirst++;
                name = tokensInFirst == 1 && t.kind() == Kind.STRING ? t.stringContent().toLowerCase(Locale.ROOT) : null;
            } else if (argument == 3) {
                tokensInThird++;
                thirdIsTrue = tokensInThird == 1 && (t.isWord("true")
                        || t.kind() == Kind.STRING && isTrueLiteral(t.stringContent()));
            }
        }
        if (argument == 3 && tokensInThird == 1 && thirdIsTrue) {
            return;
        }
        if (name != null && tokensInFirst == 1) {
            effects.setsSession(name);
        } else {
            effects.mayChangeSettings("set_config()");
        }
    }

    private static boolean isTrueLiteral(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        return value.equals("true") || value.equals("t") || value.equals("on") || value.equals("yes") || value.equals("1");
    }
}
