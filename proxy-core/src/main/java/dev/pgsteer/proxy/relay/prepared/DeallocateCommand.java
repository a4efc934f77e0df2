package dev.pgsteer.proxy.relay.prepared;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * SQL's {@code DEALLOCATE [PREPARE] name} as the whole of a simple Query, read as PostgreSQL's
 * grammar reads it: an unquoted name is folded to lower case (ASCII letters only, as for a UTF-8
 * database), a quoted one is kept as written, {@code ALL} and the other reserved words are no
 * names. Anything else (several statements, {@code U&"..."} names, names longer than PostgreSQL
 * keeps) is not read: it reaches the backend as it is.
 */
final class DeallocateCommand {
    /** NAMEDATALEN - 1: PostgreSQL truncates longer identifiers, which this does not imitate. */
    private static final int MAX_NAME_BYTES = 63;
    /** Reserved and type/function-name keywords (PostgreSQL's kwlist.h): not a ColId, so not a statement name. */
    private static final Set<String> NOT_NAMES = Set.of(
            "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check",
            "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role", "current_time",
            "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except",
            "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into",
            "lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or",
            "order", "placing", "primary", "references", "returning", "select", "session_user", "some", "symmetric",
            "system_user", "table", "then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when",
            "where", "window", "with",
            "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full", "ilike",
            "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps", "right", "similar",
            "tablesample", "verbose");

    private DeallocateCommand() {
    }

    /** The session's statement name that a Query {@code DEALLOCATE [PREPARE] name} deallocates; null if it is none. */
    static String ofSessionStatement(Frame query, Map<String, String> statements) {
        if (statements.isEmpty()) {
            return null;
        }
        String name = statementName(query.body());
        return name != null && statements.containsKey(name) ? name : null;
    }

    /**
     * The name of the statement a Query deallocates, as PostgreSQL would look it up, or null when
     * the Query is not exactly one {@code DEALLOCATE [PREPARE] name} (ALL included). Most queries
     * are told apart by their first letter, without decoding.
     */
    static String statementName(ByteBuf queryBody) {
        if (!mayBe(queryBody)) {
            return null;
        }
        int end = queryBody.indexOf(queryBody.readerIndex(), queryBody.writerIndex(), (byte) 0);
        int length = (end < 0 ? queryBody.writerIndex() : end) - queryBody.readerIndex();
        return statementName(queryBody.toString(queryBody.readerIndex(), length, StandardCharsets.UTF_8));
    }

    static String statementName(String sql) {
        Tokens tokens = new Tokens(sql);
        if (!tokens.nextIsWord("deallocate")) {
            return null;
        }
        Token name = tokens.next();
        if (name != null && name.isWord("prepare")) {
            Token after = tokens.next();
            if (after != null && after.kind != Kind.SEMICOLON) {
                name = after;
            } else {
                // DEALLOCATE prepare: the grammar takes the lone keyword as the name.
                tokens.back(after);
            }
        }
        if (name == null || name.kind == Kind.OTHER || name.kind == Kind.SEMICOLON
                || name.kind == Kind.WORD && NOT_NAMES.contains(name.text)
                || name.text.isEmpty() || name.text.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return null;
        }
        Token rest = tokens.next();
        if (rest != null && rest.kind == Kind.SEMICOLON) {
            rest = tokens.next();
        }
        return rest == null ? name.text : null;
    }

    /** Whether the first byte that is no white space could start DEALLOCATE or a comment before it. */
    private static boolean mayBe(ByteBuf body) {
        for (int i = body.readerIndex(); i < body.writerIndex(); i++) {
            byte b = body.getByte(i);
            if (b != ' ' && b != '\n' && b != '\t' && b != '\r' && b != '\f') {
                return b == 'D' || b == 'd' || b == '/' || b == '-';
            }
        }
        return false;
    }

    private enum Kind { WORD, QUOTED, SEMICOLON, OTHER }

    /** {@code text}: a word folded to lower case, a quoted identifier unquoted. */
    private record Token(Kind kind, String text) {
        boolean isWord(String word) {
            return kind == Kind.WORD && text.equals(word);
        }
    }

    /** The tokens of a statement, white space and comments (block comments nest, as in PostgreSQL) skipped. */
    private static final class Tokens {
        private final String sql;
        private int at;
        private Token pushedBack;

        Tokens(String sql) {
            this.sql = sql;
        }

        boolean nextIsWord(String word) {
            Token token = next();
            return token != null && token.isWord(word);
        }

        void back(Token token) {
            pushedBack = token;
        }

        /** The next token, or null at the end. */
        Token next() {
            if (pushedBack != null) {
                Token token = pushedBack;
                pushedBack = null;
                return token;
            }
            skipInsignificant();
            if (at >= sql.length()) {
                return null;
            }
            char c = sql.charAt(at);
            if (c == ';') {
                at++;
                return new Token(Kind.SEMICOLON, ";");
            }
            if (c == '"') {
                return quoted();
            }
            if (identifierStart(c)) {
                int start = at;
                while (at < sql.length() && identifierPart(sql.charAt(at))) {
                    at++;
                }
                return new Token(Kind.WORD, asciiLowerCase(sql.substring(start, at)));
            }
            at = sql.length();
            return new Token(Kind.OTHER, "");
        }

        private Token quoted() {
            StringBuilder text = new StringBuilder();
            int i = at + 1;
            while (i < sql.length()) {
                char c = sql.charAt(i);
                if (c == '"') {
                    if (i + 1 < sql.length() && sql.charAt(i + 1) == '"') {
                        text.append('"');
                        i += 2;
                        continue;
                    }
                    at = i + 1;
                    return new Token(Kind.QUOTED, text.toString());
                }
                text.append(c);
                i++;
            }
            // Unterminated: PostgreSQL's syntax error, not a name.
            at = sql.length();
            return new Token(Kind.OTHER, "");
        }

        private void skipInsignificant() {
            while (at < sql.length()) {
                char c = sql.charAt(at);
                if (Character.isWhitespace(c)) {
                    at++;
                } else if (c == '-' && sql.startsWith("--", at)) {
                    int eol = sql.indexOf('\n', at);
                    at = eol < 0 ? sql.length() : eol + 1;
                } else if (c == '/' && sql.startsWith("/*", at)) {
                    at = blockCommentEnd(at);
                } else {
                    return;
                }
            }
        }

        private int blockCommentEnd(int start) {
            int depth = 0;
            int i = start;
            while (i < sql.length()) {
                if (sql.startsWith("/*", i)) {
                    depth++;
                    i += 2;
                } else if (sql.startsWith("*/", i)) {
                    i += 2;
                    if (--depth == 0) {
                        return i;
                    }
                } else {
                    i++;
                }
            }
            return sql.length();
        }
    }

    private static boolean identifierStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80;
    }

    private static boolean identifierPart(char c) {
        return identifierStart(c) || c >= '0' && c <= '9' || c == '$';
    }

    private static String asciiLowerCase(String word) {
        StringBuilder out = null;
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (out == null) {
                    out = new StringBuilder(word);
                }
                out.setCharAt(i, (char) (c + ('a' - 'A')));
            }
        }
        return out == null ? word : out.toString();
    }
}
