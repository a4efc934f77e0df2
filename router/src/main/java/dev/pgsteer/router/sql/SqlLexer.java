package dev.pgsteer.router.sql;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small hand-written lexer for PostgreSQL's SQL: enough to split a query string into statements,
 * replace literals by placeholders (the statement's shape), and read routing comments. It knows
 * string constants (with {@code ''}, E'' escapes, and the B, X, N and U& prefixes), dollar quotes,
 * quoted identifiers, numbers, {@code $n} parameters and both kinds of comments (block comments
 * nest, as in PostgreSQL). See the PostgreSQL manual, "Lexical Structure".
 */
public final class SqlLexer {
    /** Stands for a literal in the shape until placeholders are numbered; NUL cannot occur in a statement. */
    private static final char LITERAL_MARK = '\0';

    private SqlLexer() {
    }

    /** The statements of a simple Query's text, split at top-level semicolons; empty ones dropped. */
    public static List<LexedStatement> statements(String sql) {
        List<LexedStatement> out = new ArrayList<>(1);
        int start = 0;
        while (start < sql.length()) {
            Scan scan = new Scan(sql, start);
            scan.run();
            LexedStatement statement = scan.result();
            if (!statement.isEmpty()) {
                out.add(statement);
            }
            start = scan.end + 1;
        }
        return out;
    }

    /** One statement (a Parse's text, which cannot hold several). */
    public static LexedStatement statement(String sql) {
        Scan scan = new Scan(sql, 0);
        scan.run();
        return scan.result();
    }

    private static final class Scan {
        private final String sql;
        private final int start;
        private int end;
        private final StringBuilder shape = new StringBuilder();
        private final List<String> literals = new ArrayList<>();
        private final List<String> rawLiterals = new ArrayList<>();
        private Map<String, String> hints = Map.of();
        private int maxParameter;
        private String firstKeyword = "";
        /** Whether the last token could end an operand: a following '-' is then a minus, not a sign. */
        private boolean afterOperand;

        Scan(String sql, int start) {
            this.sql = sql;
            this.start = start;
        }

        void run() {
            int i = start;
            int n = sql.length();
            while (i < n) {
                char c = sql.charAt(i);
                if (c == ';') {
                    break;
                }
                if (Character.isWhitespace(c)) {
                    if (shape.length() > 0 && shape.charAt(shape.length() - 1) != ' ') {
                        shape.append(' ');
                    }
                    i++;
                } else if (c == '-' && at(i + 1, '-')) {
                    int eol = sql.indexOf('\n', i);
                    i = eol < 0 ? n : eol + 1;
                    space();
                } else if (c == '/' && at(i + 1, '*')) {
                    i = blockComment(i);
                    space();
                } else if (c == '\'') {
                    i = stringLiteral(i, i + 1, false);
                } else if ((c == 'E' || c == 'e') && at(i + 1, '\'') && !identifierBefore(i)) {
                    i = stringLiteral(i, i + 2, true);
                } else if ((c == 'B' || c == 'b' || c == 'X' || c == 'x' || c == 'N' || c == 'n') && at(i + 1, '\'')
                        && !identifierBefore(i)) {
                    // Bit strings and national strings stay as they are: never shard keys, and their prefix matters.
                    int close = stringEnd(i + 2, false);
                    shape.append(sql, i, close);
                    afterOperand = true;
                    i = close;
                } else if (c == '"') {
                    int close = quotedIdentifierEnd(i + 1);
                    shape.append(sql, i, close);
                    keyword(i + 1, Math.max(i + 1, close - 1));
                    afterOperand = true;
                    i = close;
                } else if (c == '$' && i + 1 < n && Character.isDigit(sql.charAt(i + 1))) {
                    int j = i + 1;
                    while (j < n && Character.isDigit(sql.charAt(j))) {
                        j++;
                    }
                    maxParameter = Math.max(maxParameter, Integer.parseInt(sql, i + 1, j, 10));
                    shape.append(sql, i, j);
                    afterOperand = true;
                    i = j;
                } else if (c == '$' && dollarTag(i) > 0) {
                    int tagEnd = dollarTag(i);
                    String tag = sql.substring(i, tagEnd);
                    int close = sql.indexOf(tag, tagEnd);
                    int bodyEnd = close < 0 ? n : close;
                    int after = close < 0 ? n : close + tag.length();
                    literal(sql.substring(tagEnd, bodyEnd), sql.substring(i, after));
                    i = after;
                } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(sql.charAt(i + 1)))
                        || (c == '-' && !afterOperand && i + 1 < n && (Character.isDigit(sql.charAt(i + 1))
                        || (sql.charAt(i + 1) == '.' && i + 2 < n && Character.isDigit(sql.charAt(i + 2)))))) {
                    int j = numberEnd(c == '-' ? i + 1 : i);
                    literal(sql.substring(i, j), sql.substring(i, j));
                    i = j;
                } else if (isIdentifierStart(c)) {
                    int j = i + 1;
                    while (j < n && isIdentifierPart(sql.charAt(j))) {
                        j++;
                    }
                    shape.append(sql, i, j);
                    keyword(i, j);
                    afterOperand = true;
                    i = j;
                } else {
                    shape.append(c);
                    afterOperand = c == ')' || c == ']';
                    i++;
                }
            }
            end = i;
        }

        LexedStatement result() {
            String text = sql.substring(start, Math.min(end, sql.length())).strip();
            String finalShape = shape.toString().strip();
            if (!literals.isEmpty()) {
                // Number the placeholders after the statement's own parameters, now that all are known.
                StringBuilder numbered = new StringBuilder(finalShape.length() + literals.size() * 3);
                int next = maxParameter + 1;
                for (int k = 0; k < finalShape.length(); k++) {
                    char c = finalShape.charAt(k);
                    if (c == LITERAL_MARK) {
                        numbered.append('$').append(next++);
                    } else {
                        numbered.append(c);
                    }
                }
                finalShape = numbered.toString();
            }
            return new LexedStatement(text, finalShape, literals, rawLiterals, maxParameter, hints, firstKeyword);
        }

        private boolean at(int i, char c) {
            return i < sql.length() && sql.charAt(i) == c;
        }

        private void space() {
            if (shape.length() > 0 && shape.charAt(shape.length() - 1) != ' ') {
                shape.append(' ');
            }
        }

        /** Remembers the statement's first word; later words cost nothing (no string is made for them). */
        private void keyword(int from, int to) {
            if (firstKeyword.isEmpty()) {
                firstKeyword = sql.substring(from, to).toUpperCase(Locale.ROOT);
            }
        }

        private void literal(String value, String raw) {
            // A mark now, a numbered placeholder once every parameter of the statement was seen.
            shape.append(LITERAL_MARK);
            literals.add(value);
            rawLiterals.add(raw);
            afterOperand = true;
            if (firstKeyword.isEmpty()) {
                firstKeyword = "?";
            }
        }

        private boolean identifierBefore(int i) {
            return i > start && isIdentifierPart(sql.charAt(i - 1));
        }

        private int blockComment(int i) {
            int depth = 0;
            int n = sql.length();
            int bodyStart = i + 2;
            int j = i;
            while (j < n) {
                if (sql.startsWith("/*", j)) {
                    depth++;
                    j += 2;
                } else if (sql.startsWith("*/", j)) {
                    depth--;
                    j += 2;
                    if (depth == 0) {
                        break;
                    }
                } else {
                    j++;
                }
            }
            if (firstKeyword.isEmpty()) {
                readHints(sql.substring(bodyStart, Math.max(bodyStart, j - 2)));
            }
            return j;
        }

        /** {@code name=value} pairs, separated by spaces or commas; values may be quoted. */
        private void readHints(String body) {
            for (String part : body.trim().split("[\\s,]+")) {
                int eq = part.indexOf('=');
                if (eq > 0 && eq < part.length() - 1) {
                    String value = part.substring(eq + 1);
                    if (value.length() >= 2 && (value.charAt(0) == '\'' || value.charAt(0) == '"')
                            && value.charAt(value.length() - 1) == value.charAt(0)) {
                        value = value.substring(1, value.length() - 1);
                    }
                    if (hints.isEmpty()) {
                        hints = new HashMap<>();
                    }
                    hints.put(part.substring(0, eq).toLowerCase(Locale.ROOT), value);
                }
            }
        }

        private int stringLiteral(int i, int bodyStart, boolean escapes) {
            int close = stringEnd(bodyStart, escapes);
            String body = sql.substring(bodyStart, Math.max(bodyStart, close - 1));
            literal(escapes ? unescapeC(body) : body.replace("''", "'"), sql.substring(i, close));
            // Adjacent constants separated by a newline are one constant in SQL; rare enough to leave.
            return close;
        }

        /** The index just past the closing quote of a string whose body starts at {@code i}. */
        private int stringEnd(int i, boolean escapes) {
            return closingQuoteEnd(i, '\'', escapes);
        }

        private int quotedIdentifierEnd(int i) {
            return closingQuoteEnd(i, '"', false);
        }

        /** Past the {@code quote} that closes what starts at {@code i}; a doubled quote is part of the text. */
        private int closingQuoteEnd(int i, char quote, boolean backslashEscapes) {
            int n = sql.length();
            while (i < n) {
                char c = sql.charAt(i);
                if (backslashEscapes && c == '\\') {
                    i += 2;
                } else if (c == quote) {
                    if (at(i + 1, quote)) {
                        i += 2;
                    } else {
                        return i + 1;
                    }
                } else {
                    i++;
                }
            }
            return n;
        }

        /** The end of a dollar-quote opening tag ({@code $$} or {@code $tag$}) at {@code i}, or 0. */
        private int dollarTag(int i) {
            int n = sql.length();
            if (identifierBefore(i)) {
                return 0;
            }
            int j = i + 1;
            while (j < n && isIdentifierPart(sql.charAt(j)) && sql.charAt(j) != '$') {
                j++;
            }
            return j < n && sql.charAt(j) == '$' ? j + 1 : 0;
        }

        private int numberEnd(int i) {
            int n = sql.length();
            if (sql.startsWith("0x", i) || sql.startsWith("0X", i) || sql.startsWith("0o", i) || sql.startsWith("0b", i)) {
                i += 2;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                    i++;
                }
                return i;
            }
            while (i < n && (Character.isDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                i++;
            }
            if (i < n && sql.charAt(i) == '.' && !at(i + 1, '.')) {
                i++;
                while (i < n && Character.isDigit(sql.charAt(i))) {
                    i++;
                }
            }
            if (i < n && (sql.charAt(i) == 'e' || sql.charAt(i) == 'E')) {
                int j = i + 1;
                if (j < n && (sql.charAt(j) == '+' || sql.charAt(j) == '-')) {
                    j++;
                }
                if (j < n && Character.isDigit(sql.charAt(j))) {
                    i = j;
                    while (i < n && Character.isDigit(sql.charAt(i))) {
                        i++;
                    }
                }
            }
            return i;
        }
    }

    static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_' || c > 127;
    }

    static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c > 127;
    }

    /** The escapes of E'' strings that matter for key values: \\, \', \n, \t, \r, \b, \f. */
    private static String unescapeC(String body) {
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\'' && i + 1 < body.length() && body.charAt(i + 1) == '\'') {
                out.append('\'');
                i++;
            } else if (c == '\\' && i + 1 < body.length()) {
                char e = body.charAt(++i);
                out.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    default -> e;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
