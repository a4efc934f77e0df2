package dev.pgsteer.router.sql;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The escapes PostgreSQL reads in a constant or an identifier: backslash escapes in {@code E'...'}
 * (and in any constant with standard_conforming_strings off), Unicode escapes after {@code U&}.
 * {@link SqlTokenizer#value()} reads a token's text with them.
 */
public final class SqlEscapes {
    private SqlEscapes() {
    }

    /** {@code \XXXX}, {@code \+XXXXXX} and a doubled escape character, as PostgreSQL reads them after U&. */
    public static String unicodeEscapes(String raw, char escape) {
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
    public static String backslashEscapes(byte[] sql, int from, int to) {
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
}
