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
