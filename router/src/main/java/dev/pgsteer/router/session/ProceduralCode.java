package dev.pgsteer.router.session;

import dev.pgsteer.router.session.SessionStateScanner.Effects;
import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import dev.pgsteer.router.sql.SqlTokenizer;

/**
 * Procedural code as the session-state scanner reads it: a DO body, and the strings in it that
 * EXECUTE may run. Its statements do not start where SQL's do, so the findings are made wherever
 * their words are.
 */
final class ProceduralCode {
    /** DO bodies may hold strings run by EXECUTE; deeper nesting is read with the loose body rules too. */
    private static final int MAX_NESTING = 3;

    private ProceduralCode() {
    }

    /** The body of a DO block: read with the loose rules of {@link #nested}. */
    static void body(SqlTokenizer t, Effects effects) {
        while (t.next() != Kind.END && !t.isPunct(';')) {
            if (t.kind() == Kind.STRING || t.kind() == Kind.DOLLAR_STRING) {
                nested(t, effects, 1);
            }
        }
    }

    /**
     * Reads procedural code (a DO body, and the strings in it that EXECUTE may run) loosely: its
     * statements do not start where SQL's do, so the findings are made wherever their words are.
     */
    private static void nested(SqlTokenizer outer, Effects effects, int depth) {
        SqlTokenizer t = new SqlTokenizer(outer.bytes(), outer.contentStart(), outer.contentEnd() - outer.contentStart(),
                outer.kind() == Kind.STRING && outer.backslashQuotes());
        boolean create = false;
        boolean temp = false;
        boolean with = false;
        boolean into = false;
        while (t.next() != Kind.END) {
            if (t.isPunct(';')) {
                create = false;
                temp = false;
                into = false;
            } else if ((t.kind() == Kind.STRING || t.kind() == Kind.DOLLAR_STRING) && depth < MAX_NESTING) {
                nested(t, effects, depth + 1);
            } else if (t.isWord("create")) {
                create = true;
            } else if (t.isWord("into")) {
                into = true;
            } else if (t.isWord("temp") || t.isWord("temporary")) {
                temp = true;
            } else if (t.isWord("listen")) {
                effects.pins("LISTEN");
            } else if (with && t.isWord("hold")) {
                effects.pins("a cursor WITH HOLD");
            } else if (t.isWord("load")) {
                effects.pins("LOAD of a library");
            } else if (t.isWord("set") || t.isWord("reset")) {
                nestedSet(t, effects);
            } else if (t.isWord("discard")) {
                effects.resetsAll();
            } else {
                FunctionCalls.functionCall(t, effects);
            }
            if ((create || into) && temp) {
                effects.pins("a temporary object");
                create = into = temp = false;
            }
            with = t.isWord("with");
        }
    }

    /** A SET or RESET in procedural code: the setting it names is the session's to carry, unless LOCAL. */
    private static void nestedSet(SqlTokenizer t, Effects effects) {
        SqlTokenizer ahead = t.lookahead();
        ahead.next();
        if (ahead.isWord("local")) {
            return;
        }
        if (ahead.isWord("session")) {
            ahead.next();
        }
        String name = ahead.isName() && !ahead.isWord("all") ? SessionStateScanner.dottedName(ahead) : null;
        if (name != null) {
            effects.setsSession(name);
        } else {
            effects.mayChangeSettings("a SET in procedural code");
        }
    }
}
