package dev.pgsteer.router.tenant;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A statement cut into the few kinds of tokens the tenant guard reasons about: words (lower-cased,
 * unquoted), quoted identifiers, string constants, dollar-quoted bodies and single punctuation
 * characters. Comments and white space vanish. It never fails: text it cannot read (an unclosed
 * quote) ends in one last token holding the rest.
 */
record SqlTokens(List<Token> tokens) {

    enum Kind { WORD, QUOTED, STRING, DOLLAR, NUMBER, PUNCT }

    /** {@code text} is the word lower-cased, the identifier unquoted, the constant's or body's content. */
    record Token(Kind kind, String text) {
        boolean is(String word) {
            return kind == Kind.WORD && text.equals(word);
        }

        boolean isPunct(char c) {
            return kind == Kind.PUNCT && text.length() == 1 && text.charAt(0) == c;
        }

        /** An identifier, quoted or not, as PostgreSQL folds it. */
        boolean isName() {
            return kind == Kind.WORD || kind == Kind.QUOTED;
        }
    }

    static SqlTokens of(String sql) {
        List<Token> out = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int eol = sql.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = blockCommentEnd(sql, i);
            } else if ((c == 'u' || c == 'U') && i + 2 < n && sql.charAt(i + 1) == '&'
                    && (sql.charAt(i + 2) == '"' || sql.charAt(i + 2) == '\'')) {
                // U&"d\0065lta" and U&'...': PostgreSQL reads the escapes, so the guard must see what they spell.
                char quote = sql.charAt(i + 2);
                int[] end = new int[1];
                String raw = quoted(sql, i + 3, quote, false, end);
                i = end[0];
                char escape = '\\';
                int[] after = new int[1];
                Character chosen = uescape(sql, i, after);
                if (chosen != null) {
                    escape = chosen;
                    i = after[0];
                }
                out.add(new Token(quote == '"' ? Kind.QUOTED : Kind.STRING, unicodeEscapes(raw, escape)));
            } else if (c == '\'' || ((c == 'e' || c == 'E') && i + 1 < n && sql.charAt(i + 1) == '\'')) {
                boolean escapes = c != '\'';
                int start = escapes ? i + 2 : i + 1;
                int[] end = new int[1];
                String content = quoted(sql, start, '\'', escapes, end);
                out.add(new Token(Kind.STRING, content));
                i = end[0];
            } else if (c == '"') {
                int[] end = new int[1];
                out.add(new Token(Kind.QUOTED, quoted(sql, i + 1, '"', false, end)));
                i = end[0];
            } else if (c == '$' && dollarTagEnd(sql, i) > 0) {
                int tagEnd = dollarTagEnd(sql, i);
                String tag = sql.substring(i, tagEnd + 1);
                int close = sql.indexOf(tag, tagEnd + 1);
                out.add(new Token(Kind.DOLLAR, sql.substring(tagEnd + 1, close < 0 ? n : close)));
                i = close < 0 ? n : close + tag.length();
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$')) {
                    i++;
                }
                out.add(new Token(Kind.WORD, sql.substring(start, i).toLowerCase(Locale.ROOT)));
            } else if (Character.isDigit(c)) {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '.')) {
                    i++;
                }
                out.add(new Token(Kind.NUMBER, sql.substring(start, i)));
            } else {
                out.add(new Token(Kind.PUNCT, String.valueOf(c)));
                i++;
            }
        }
        return new SqlTokens(List.copyOf(out));
    }

    /** {@code UESCAPE 'c'} after a Unicode-escaped constant or identifier: c, with after[0] just past it; else null. */
    private static Character uescape(String sql, int i, int[] after) {
        int n = sql.length();
        int j = i;
        while (j < n && Character.isWhitespace(sql.charAt(j))) {
            j++;
        }
        if (!sql.regionMatches(true, j, "uescape", 0, 7)) {
            return null;
        }
        j += 7;
        while (j < n && Character.isWhitespace(sql.charAt(j))) {
            j++;
        }
        if (j + 2 < n && sql.charAt(j) == '\'' && sql.charAt(j + 2) == '\'') {
            after[0] = j + 3;
            return sql.charAt(j + 1);
        }
        return null;
    }

    /** {@code \XXXX}, {@code \+XXXXXX} and a doubled escape character, as PostgreSQL reads them after U&. */
    static String unicodeEscapes(String raw, char escape) {
        StringBuilder out = new StringBuilder(raw.length());
        int n = raw.length();
        int i = 0;
        while (i < n) {
            char c = raw.charAt(i);
            if (c != escape || i + 1 >= n) {
                out.append(c);
                i++;
            } else if (raw.charAt(i + 1) == escape) {
                out.append(escape);
                i += 2;
            } else {
                int digits = raw.charAt(i + 1) == '+' ? 6 : 4;
                int start = raw.charAt(i + 1) == '+' ? i + 2 : i + 1;
                int code = start + digits <= n ? hex(raw, start, start + digits) : -1;
                if (code < 0 || !Character.isValidCodePoint(code)) {
                    out.append(c);
                    i++;
                } else {
                    out.appendCodePoint(code);
                    i = start + digits;
                }
            }
        }
        return out.toString();
    }

    private static int hex(String text, int from, int to) {
        int value = 0;
        for (int k = from; k < to; k++) {
            int d = Character.digit(text.charAt(k), 16);
            if (d < 0) {
                return -1;
            }
            value = value * 16 + d;
        }
        return value;
    }

    private static int blockCommentEnd(String sql, int i) {
        int depth = 0;
        int n = sql.length();
        while (i < n) {
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
        return n;
    }

    /** The content of a quoted constant or identifier starting after its opening quote; end[0] is just past it. */
    private static String quoted(String sql, int i, char quote, boolean escapes, int[] end) {
        StringBuilder content = new StringBuilder();
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (escapes && c == '\\' && i + 1 < n) {
                content.append(sql.charAt(i + 1));
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote) {
                    content.append(quote);
                    i += 2;
                } else {
                    end[0] = i + 1;
                    return content.toString();
                }
            } else {
                content.append(c);
                i++;
            }
        }
        end[0] = n;
        return content.toString();
    }

    /** The index of the closing '$' of a dollar-quote tag starting at {@code i} ($$ or $tag$), or -1. */
    private static int dollarTagEnd(String sql, int i) {
        if (i > 0 && (Character.isLetterOrDigit(sql.charAt(i - 1)) || sql.charAt(i - 1) == '_')) {
            return -1;
        }
        int j = i + 1;
        int n = sql.length();
        if (j < n && Character.isDigit(sql.charAt(j))) {
            return -1;
        }
        while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
            j++;
        }
        return j < n && sql.charAt(j) == '$' ? j : -1;
    }

    int size() {
        return tokens.size();
    }

    Token get(int i) {
        return i < tokens.size() ? tokens.get(i) : null;
    }

    /** The tokens split at top-level semicolons: one list per statement. */
    List<List<Token>> statements() {
        List<List<Token>> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= tokens.size(); i++) {
            if (i == tokens.size() || tokens.get(i).isPunct(';')) {
                if (i > start) {
                    out.add(tokens.subList(start, i));
                }
                start = i + 1;
            }
        }
        return out;
    }
}
