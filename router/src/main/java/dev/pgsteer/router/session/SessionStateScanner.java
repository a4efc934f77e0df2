package dev.pgsteer.router.session;

import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import dev.pgsteer.router.sql.SqlTokenizer;

/**
 * Reads, token by token, what a statement text does to the session state that lives on its
 * backend connection, so that a pooled session can be given another connection and find the same
 * state there. Two kinds of state matter:
 * <ul>
 *   <li>settings, which pgsteer carries: a session-level {@code SET} (any setting, custom ones
 *       included), {@code RESET}, {@code SET ... TO DEFAULT}, {@code RESET ALL}, {@code DISCARD ALL},
 *       {@code set_config(..., false)}, and what may change settings unseen ({@code DO}, {@code CALL},
 *       {@code SET SESSION CHARACTERISTICS});</li>
 *   <li>state that cannot move to another connection and so pins the session: temporary objects,
 *       session advisory locks, {@code LISTEN}, cursors {@code WITH HOLD}, {@code LOAD},
 *       {@code SET SESSION AUTHORIZATION}.</li>
 * </ul>
 * What is transaction-local never matters: {@code SET LOCAL}, {@code set_config(..., true)},
 * {@code SET TRANSACTION}, {@code DECLARE ... WITHOUT HOLD}, {@code pg_advisory_xact_lock}.
 * Keywords inside string constants, quoted identifiers and comments are not keywords; the bodies of
 * {@code DO} blocks are read too, since they run now. It reads in place and allocates only the
 * names of settings it reports.
 */
public final class SessionStateScanner {
    /** What a statement does to its session's state; each call is one finding. */
    public interface Effects {
        /** The session now holds state that cannot move to another connection. */
        void pins(String reason);

        /** A session-level SET of {@code name} (lower-case, as PostgreSQL folds it). */
        void setsSession(String name);

        /** {@code name} goes back to its default (RESET, SET ... TO DEFAULT). */
        void resets(String name);

        /** Every setting goes back to its default (RESET ALL, DISCARD ALL). */
        void resetsAll();

        /** Settings may change in a way the text does not spell out (set_config, DO, CALL). */
        void mayChangeSettings(String what);
    }

    private SessionStateScanner() {
    }

    /**
     * Reads the statements of {@code sql[offset, offset + length)}.
     *
     * @param backslashQuotes whether standard_conforming_strings is off for the session
     */
    public static void scan(byte[] sql, int offset, int length, boolean backslashQuotes, Effects effects) {
        if (!mayMatter(sql, offset, offset + length)) {
            return;
        }
        SqlTokenizer t = new SqlTokenizer(sql, offset, length, backslashQuotes);
        while (t.next() != Kind.END) {
            statement(t, effects);
        }
    }

    /**
     * Whether any word that can start a finding occurs in the text at all, strings and comments
     * included: one pass over the bytes that spares nearly every statement the tokenizer (a SELECT
     * or an INSERT of an application names none of them).
     */
    static boolean mayMatter(byte[] sql, int start, int end) {
        for (int i = start; i < end; i++) {
            int b = sql[i] | 0x20;
            if (i > start && isWordPart(sql[i - 1])) {
                continue;
            }
            boolean found = switch (b) {
                case 's' -> wordAt(sql, i, end, "set") || startsAt(sql, i, end, "set_config");
                case 'r' -> wordAt(sql, i, end, "reset");
                case 'd' -> wordAt(sql, i, end, "discard") || wordAt(sql, i, end, "declare") || wordAt(sql, i, end, "do");
                case 'l' -> wordAt(sql, i, end, "listen") || wordAt(sql, i, end, "load");
                case 'c' -> wordAt(sql, i, end, "create") || wordAt(sql, i, end, "call");
                case 't' -> wordAt(sql, i, end, "temp") || wordAt(sql, i, end, "temporary");
                case 'p' -> startsAt(sql, i, end, "pg_advisory_lock") || startsAt(sql, i, end, "pg_try_advisory_lock")
                        || wordAt(sql, i, end, "pg_temp");
                default -> false;
            };
            if (found) {
                return true;
            }
        }
        return false;
    }

    private static boolean wordAt(byte[] sql, int at, int end, String keyword) {
        int after = at + keyword.length();
        return startsAt(sql, at, end, keyword) && (after >= end || !isWordPart(sql[after]));
    }

    private static boolean startsAt(byte[] sql, int at, int end, String keyword) {
        if (at + keyword.length() > end) {
            return false;
        }
        for (int k = 0; k < keyword.length(); k++) {
            int b = sql[at + k];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != keyword.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWordPart(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_' || b == '$' || b < 0;
    }

    /** One statement from its first token, read up to its ending semicolon (or the end). */
    private static void statement(SqlTokenizer t, Effects effects) {
        if (t.isPunct(';')) {
            return;
        }
        if (t.kind() != Kind.WORD) {
            rest(t, effects, false);
            return;
        }
        if (t.isWord("set")) {
            set(t, effects);
        } else if (t.isWord("reset")) {
            reset(t, effects);
        } else if (t.isWord("discard")) {
            if (t.next() == Kind.WORD && t.isWord("all")) {
                effects.resetsAll();
            }
            rest(t, effects, true);
        } else if (t.isWord("listen")) {
            effects.pins("LISTEN");
            rest(t, effects, false);
        } else if (t.isWord("load")) {
            effects.pins("LOAD of a library");
            rest(t, effects, false);
        } else if (t.isWord("declare")) {
            declare(t, effects);
        } else if (t.isWord("create")) {
            create(t, effects);
        } else if (t.isWord("do")) {
            effects.mayChangeSettings("a DO block");
            ProceduralCode.body(t, effects);
        } else if (t.isWord("call")) {
            effects.mayChangeSettings("CALL of a procedure");
            rest(t, effects, false);
        } else {
            rest(t, effects, false);
        }
    }

    /**
     * SET [SESSION | LOCAL] name {TO | =} value, and the special forms: TIME ZONE, SCHEMA, NAMES,
     * ROLE, XML OPTION, SESSION AUTHORIZATION, SESSION CHARACTERISTICS, TRANSACTION, CONSTRAINTS.
     */
    private static void set(SqlTokenizer t, Effects effects) {
        t.next();
        boolean local = false;
        if (t.isWord("local")) {
            local = true;
            t.next();
        } else if (t.isWord("session")) {
            t.next();
            if (t.isWord("authorization")) {
                effects.pins("SET SESSION AUTHORIZATION");
                rest(t, effects, true);
                return;
            }
            if (t.isWord("characteristics")) {
                // SET SESSION CHARACTERISTICS AS TRANSACTION ... sets the session's transaction defaults.
                effects.setsSession("default_transaction_isolation");
                effects.setsSession("default_transaction_read_only");
                effects.setsSession("default_transaction_deferrable");
                rest(t, effects, true);
                return;
            }
        }
        if (t.isWord("transaction") || t.isWord("constraints")) {
            rest(t, effects, true);
            return;
        }
        String name;
        boolean valueFollows = true;
        if (t.isWord("time")) {
            t.next();
            if (!t.isWord("zone")) {
                unknownSet(t, effects, local);
                return;
            }
            name = "timezone";
            valueFollows = false;
        } else if (t.isWord("schema")) {
            name = "search_path";
            valueFollows = false;
        } else if (t.isWord("names")) {
            name = "client_encoding";
            valueFollows = false;
        } else if (t.isWord("role")) {
            name = "role";
            valueFollows = false;
        } else if (t.isWord("xml")) {
            t.next();
            name = "xmloption";
            valueFollows = false;
        } else if (t.isName()) {
            name = dottedName(t);
            if (name == null) {
                unknownSet(t, effects, local);
                return;
            }
        } else {
            unknownSet(t, effects, local);
            return;
        }
        t.next();
        if (valueFollows) {
            if (!t.isWord("to") && !t.isPunct('=')) {
                unknownSet(t, effects, local);
                return;
            }
            t.next();
        }
        boolean toDefault = t.isWord("default") && followedByEnd(t)
                || name.equals("timezone") && t.isWord("local")
                || name.equals("role") && t.isWord("none");
        if (!local) {
            if (toDefault) {
                effects.resets(name);
            } else {
                effects.setsSession(name);
            }
        }
        rest(t, effects, true);
    }

    /** A SET this scanner cannot read: PostgreSQL may still run it, so its setting may change. */
    private static void unknownSet(SqlTokenizer t, Effects effects, boolean local) {
        if (!local) {
            effects.mayChangeSettings("a SET");
        }
        rest(t, effects, true);
    }

    /** RESET name | ALL | TIME ZONE | ROLE | SESSION AUTHORIZATION. */
    private static void reset(SqlTokenizer t, Effects effects) {
        t.next();
        if (t.isWord("all")) {
            effects.resetsAll();
        } else if (t.isWord("time")) {
            effects.resets("timezone");
        } else if (t.isWord("session")) {
            effects.resets("session_authorization");
        } else if (t.isName()) {
            String name = dottedName(t);
            if (name == null) {
                effects.mayChangeSettings("a RESET");
            } else {
                effects.resets(name);
            }
        } else {
            effects.mayChangeSettings("a RESET");
        }
        rest(t, effects, true);
    }

    /** DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query. */
    private static void declare(SqlTokenizer t, Effects effects) {
        boolean with = false;
        while (t.next() != Kind.END && !t.isPunct(';') && !t.isWord("for")) {
            if (with && t.isWord("hold")) {
                effects.pins("a cursor WITH HOLD");
            }
            with = t.isWord("with");
        }
        if (t.isWord("for")) {
            rest(t, effects, false);
        }
    }

    /**
     * CREATE [GLOBAL | LOCAL] {TEMP | TEMPORARY} ..., or any object created in pg_temp: the words
     * before the object's definition (its column list or AS) say so.
     */
    private static void create(SqlTokenizer t, Effects effects) {
        boolean tempSchema = false;
        while (t.next() != Kind.END && !t.isPunct(';')) {
            if (t.isPunct('(') || t.isWord("as")) {
                rest(t, effects, false);
                return;
            }
            if (t.isWord("temp") || t.isWord("temporary")) {
                effects.pins("a temporary object");
            } else if (tempSchema && t.isPunct('.')) {
                effects.pins("a temporary object");
            }
            tempSchema = t.isWord("pg_temp") || t.kind() == Kind.QUOTED_IDENTIFIER && quotedIs(t, "pg_temp");
        }
    }

    /**
     * The rest of a statement, up to its semicolon: function calls that change session state, and
     * SELECT ... INTO TEMP. {@code settled}: the statement's kind is known and INTO means nothing more.
     */
    private static void rest(SqlTokenizer t, Effects effects, boolean settled) {
        int depth = 0;
        boolean into = false;
        Kind kind = t.kind();
        while (kind != Kind.END) {
            if (t.isPunct('(')) {
                depth++;
            } else if (t.isPunct(')')) {
                depth = Math.max(0, depth - 1);
            } else if (t.isPunct(';') && depth == 0) {
                return;
            } else if (!settled && into && (t.isWord("temp") || t.isWord("temporary"))) {
                effects.pins("a temporary object");
            } else {
                FunctionCalls.functionCall(t, effects);
            }
            into = !settled && (t.isWord("into") || into && (t.isWord("local") || t.isWord("global")));
            kind = t.next();
        }
    }

    /** A setting's name, dotted parts joined ({@code app.tenant_id}); the tokenizer stays on its last part. */
    static String dottedName(SqlTokenizer t) {
        StringBuilder name = new StringBuilder(t.name());
        // Peek without losing our place: a lookahead reads on from here.
        while (true) {
            SqlTokenizer ahead = t.lookahead();
            if (ahead.next() != Kind.PUNCT || !ahead.isPunct('.')) {
                return name.toString();
            }
            if (!(ahead.next() == Kind.WORD || ahead.kind() == Kind.QUOTED_IDENTIFIER)) {
                return null;
            }
            t.next();
            t.next();
            name.append('.').append(t.name());
        }
    }

    /** Whether the token after the current one ends the statement (DEFAULT alone, not DEFAULT-something). */
    private static boolean followedByEnd(SqlTokenizer t) {
        SqlTokenizer ahead = t.lookahead();
        Kind next = ahead.next();
        return next == Kind.END || ahead.isPunct(';');
    }

    static boolean quotedIs(SqlTokenizer t, String name) {
        return t.contentEnd() - t.contentStart() == name.length() && t.name().equals(name);
    }

    static boolean quotedStartsWith(SqlTokenizer t, String prefix) {
        return t.contentEnd() - t.contentStart() >= prefix.length() && t.name().startsWith(prefix);
    }
}
