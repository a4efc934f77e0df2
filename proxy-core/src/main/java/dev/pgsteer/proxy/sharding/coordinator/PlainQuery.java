package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.router.sql.SqlTokenizer;
import java.nio.charset.StandardCharsets;

/**
 * Whether a statement's text is a query EXPLAIN can plan as it stands: it starts (after comments)
 * with SELECT, WITH, VALUES, TABLE or a parenthesis. Not DECLARE, COPY, EXPLAIN itself, or a write.
 */
public final class PlainQuery {
    private PlainQuery() {
    }

    public static boolean is(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer t = new SqlTokenizer(bytes, 0, bytes.length, false);
        SqlTokenizer.Kind kind = t.next();
        if (kind == SqlTokenizer.Kind.PUNCT) {
            return t.isPunct('(');
        }
        return kind == SqlTokenizer.Kind.WORD
                && (t.isWord("select") || t.isWord("with") || t.isWord("values") || t.isWord("table"));
    }
}
