package dev.pgsteer.router.command;

import dev.pgsteer.router.sql.SqlTokenizer;
import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import java.nio.charset.StandardCharsets;

/**
 * What routing needs of the SQL cursor statements (JSQLParser reads none of them): the cursor's name
 * as PostgreSQL folds it, and for a DECLARE its query and whether it is held past its transaction.
 * <pre>
 * DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query
 * FETCH | MOVE [direction] [FROM | IN] name
 * CLOSE {name | ALL}
 * </pre>
 */
public final class CursorStatement {
    private CursorStatement() {
    }

    /** A DECLARE: the cursor, whether {@code WITH HOLD}, and the query after {@code FOR}. */
    public record Declaration(String cursor, boolean withHold, String query) {
    }

    /** The DECLARE's parts, or null when its head is not DECLARE's (then it is routed as a statement of its own). */
    public static Declaration declaration(String text) {
        byte[] sql = text.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer t = new SqlTokenizer(sql, 0, sql.length, false);
        if (t.next() != Kind.WORD || !t.isWord("declare") || t.next() == Kind.END || !t.isName()) {
            return null;
        }
        String cursor = t.name();
        boolean with = false;
        boolean withHold = false;
        boolean cursorWord = false;
        while (t.next() == Kind.WORD && !t.isWord("for")) {
            withHold |= with && t.isWord("hold");
            with = t.isWord("with");
            cursorWord |= t.isWord("cursor");
        }
        if (!t.isWord("for") || !cursorWord) {
            return null;
        }
        return new Declaration(cursor, withHold, new String(sql, t.stop(), sql.length - t.stop(), StandardCharsets.UTF_8).strip());
    }

    /**
     * The cursor a FETCH, MOVE or CLOSE names (its last token), or null for {@code CLOSE ALL} and for
     * a text that names none.
     */
    public static String cursorOf(String text) {
        byte[] sql = text.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer t = new SqlTokenizer(sql, 0, sql.length, false);
        String last = null;
        boolean lastIsAll = false;
        int tokens = 0;
        while (t.next() != Kind.END && !t.isPunct(';')) {
            tokens++;
            last = t.isName() ? t.name() : null;
            lastIsAll = t.kind() == Kind.WORD && t.isWord("all");
        }
        boolean closeAll = tokens == 2 && lastIsAll && text.stripLeading().regionMatches(true, 0, "CLOSE", 0, 5);
        return closeAll || tokens < 2 ? null : last;
    }
}
