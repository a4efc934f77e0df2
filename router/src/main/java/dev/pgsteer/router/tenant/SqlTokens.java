package dev.pgsteer.router.tenant;

import dev.pgsteer.router.sql.SqlTokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A statement as the tenant guard reasons about it: {@link SqlTokenizer}'s tokens (so that where a
 * token ends is decided exactly as PostgreSQL's lexer decides it: escape strings,
 * standard_conforming_strings off, dollar quotes, nested comments, {@code --} ended by a carriage
 * return) with their text decoded as PostgreSQL reads it: words lower-cased, quoted identifiers
 * unquoted, {@code U&} escapes and backslash escapes ({@code E'search\137path'}) read. Comments and
 * white space vanish. It never fails: text it cannot read (an unclosed quote) ends in one last
 * token holding the rest.
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
        return of(sql, false);
    }

    /** With {@code backslashQuotes} as the session's standard_conforming_strings off. */
    static SqlTokens of(String sql, boolean backslashQuotes) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        return of(bytes, 0, bytes.length, backslashQuotes);
    }

    static SqlTokens of(byte[] sql, int offset, int length, boolean backslashQuotes) {
        List<Token> out = new ArrayList<>();
        SqlTokenizer t = new SqlTokenizer(sql, offset, length, backslashQuotes);
        SqlTokenizer.Kind kind;
        while ((kind = t.next()) != SqlTokenizer.Kind.END) {
            int first = sql[t.start()] & 0xff;
            boolean unicode = (first == 'u' || first == 'U') && t.stop() - t.start() > 1 && sql[t.start() + 1] == '&';
            switch (kind) {
                case WORD -> out.add(new Token(Kind.WORD, t.name()));
                case QUOTED_IDENTIFIER -> out.add(new Token(Kind.QUOTED,
                        unicode ? unicodeEscapes(t.name(), uescape(t)) : t.name()));
                case STRING -> {
                    String content;
                    if (unicode) {
                        content = unicodeEscapes(t.stringContent(), uescape(t));
                    } else if (first == 'e' || first == 'E' || first == '\'' && backslashQuotes) {
                        content = backslashEscapes(sql, t.contentStart(), t.contentEnd());
                    } else {
                        content = t.stringContent();
                    }
                    out.add(new Token(Kind.STRING, content));
                }
                case DOLLAR_STRING -> out.add(new Token(Kind.DOLLAR, t.stringContent()));
                case NUMBER, PARAMETER -> out.add(new Token(Kind.NUMBER,
                        new String(sql, t.start(), t.stop() - t.start(), StandardCharsets.UTF_8)));
                case PUNCT -> out.add(new Token(Kind.PUNCT, String.valueOf((char) (sql[t.start()] & 0xff))));
                case END -> throw new AssertionError();
            }
        }
        return new SqlTokens(List.copyOf(out));
    }

    /**
     * The escape character of a {@code U&} token: the one its {@code UESCAPE 'c'} names (and then
     * {@code t} moves past that clause), else a backslash.
     */
    private static char uescape(SqlTokenizer t) {
        SqlTokenizer ahead = t.lookahead();
        if (ahead.next() == SqlTokenizer.Kind.WORD && ahead.isWord("uescape") && ahead.next() == SqlTokenizer.Kind.STRING) {
            String escape = ahead.stringContent();
            if (escape.length() == 1) {
                t.next();
                t.next();
                return escape.charAt(0);
            }
        }
        return '\\';
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

    /**
     * The content of an escape string constant ({@code E'...'}, or any constant with
     * standard_conforming_strings off) as PostgreSQL reads it: {@code \b \f \n \r \t}, octal
     * {@code \ooo}, hexadecimal {@code \xhh}, {@code \\uXXXX}, {@code \\UXXXXXXXX}, any other
     * character after a backslash stands for itself, and {@code ''} for a quote.
     */
    static String backslashEscapes(byte[] sql, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        int i = from;
        while (i < to) {
            byte b = sql[i];
            if (b == '\'' && i + 1 < to && sql[i + 1] == '\'') {
                out.write('\'');
                i += 2;
            } else if (b != '\\' || i + 1 >= to) {
                out.write(b);
                i++;
            } else {
                byte c = sql[i + 1];
                i += 2;
                switch (c) {
                    case 'b' -> out.write('\b');
                    case 'f' -> out.write('\f');
                    case 'n' -> out.write('\n');
                    case 'r' -> out.write('\r');
                    case 't' -> out.write('\t');
                    case 'x' -> {
                        int value = 0;
                        int digits = 0;
                        while (digits < 2 && i < to && Character.digit(sql[i], 16) >= 0) {
                            value = value * 16 + Character.digit(sql[i], 16);
                            digits++;
                            i++;
                        }
                        out.write(digits == 0 ? 'x' : value);
                    }
                    case 'u', 'U' -> {
                        int digits = c == 'u' ? 4 : 8;
                        String hex = i + digits <= to ? new String(sql, i, digits, StandardCharsets.ISO_8859_1) : "";
                        int code = hex.isEmpty() ? -1 : hex(hex, 0, digits);
                        if (code < 0 || !Character.isValidCodePoint(code)) {
                            out.write(c);
                        } else {
                            out.writeBytes(new String(Character.toChars(code)).getBytes(StandardCharsets.UTF_8));
                            i += digits;
                        }
                    }
                    default -> {
                        if (c >= '0' && c <= '7') {
                            int value = c - '0';
                            int digits = 1;
                            while (digits < 3 && i < to && sql[i] >= '0' && sql[i] <= '7') {
                                value = value * 8 + (sql[i] - '0');
                                digits++;
                                i++;
                            }
                            out.write(value & 0xff);
                        } else {
                            out.write(c);
                        }
                    }
                }
            }
        }
        return out.toString(StandardCharsets.UTF_8);
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
