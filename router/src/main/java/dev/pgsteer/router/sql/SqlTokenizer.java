package dev.pgsteer.router.sql;

import java.nio.charset.StandardCharsets;

/**
 * Reads PostgreSQL SQL token by token, in place, from the bytes of a message: nothing is decoded
 * and nothing allocated unless a caller asks for a token's text. Any ASCII-compatible client
 * encoding reads right (bytes of 0x80 and above are identifier characters, as PostgreSQL's lexer
 * takes them). It knows what decides where a token ends: string constants ({@code ''}, E'' with
 * backslash escapes, and backslash escapes in plain constants when standard_conforming_strings is
 * off), dollar quotes, quoted identifiers ({@code ""}), {@code $n} parameters, and both kinds of
 * comments (block comments nest; a {@code --} comment ends at a newline or a carriage return, as
 * in PostgreSQL's scan.l). Text it cannot read to its end (an unclosed quote) ends in one last
 * token that holds the rest.
 *
 * <pre>
 *   SqlTokenizer t = new SqlTokenizer(bytes, 0, bytes.length, false);
 *   while (t.next() != Kind.END) { if (t.isWord("set")) ... }
 * </pre>
 */
public final class SqlTokenizer {
    /** What a token is. Operators are read one character at a time: no caller needs more. */
    public enum Kind { WORD, QUOTED_IDENTIFIER, STRING, DOLLAR_STRING, NUMBER, PARAMETER, PUNCT, END }

    private final byte[] sql;
    private final int end;
    private final boolean backslashQuotes;
    private int pos;
    private Kind kind = Kind.END;
    private int start;
    private int stop;
    /** Where a string's or a quoted identifier's content lies, between its quotes. */
    private int contentStart;
    private int contentEnd;

    /**
     * @param backslashQuotes whether a backslash escapes the next character in a plain string
     *                        constant: true when the session runs with standard_conforming_strings off
     */
    public SqlTokenizer(byte[] sql, int offset, int length, boolean backslashQuotes) {
        this.sql = sql;
        this.pos = offset;
        this.end = offset + length;
        this.backslashQuotes = backslashQuotes;
    }

    public Kind kind() {
        return kind;
    }

    /** Where the current token starts in the array. */
    public int start() {
        return start;
    }

    /** Where the current token ends (exclusive). */
    public int stop() {
        return stop;
    }

    public int contentStart() {
        return contentStart;
    }

    public int contentEnd() {
        return contentEnd;
    }

    public boolean backslashQuotes() {
        return backslashQuotes;
    }

    /** Moves to the next token and says what it is; {@link Kind#END} once the text is read. */
    public Kind next() {
        skipSpaceAndComments();
        if (pos >= end) {
            start = stop = end;
            return kind = Kind.END;
        }
        start = pos;
        int c = sql[pos] & 0xff;
        if ((c == 'e' || c == 'E') && at(pos + 1, '\'')) {
            return string(pos + 2, true);
        }
        if ((c == 'u' || c == 'U') && at(pos + 1, '&') && (at(pos + 2, '\'') || at(pos + 2, '"'))) {
            // U&'...' and U&"...": escapes are read later, from the content; quotes double as usual.
            return sql[pos + 2] == '"' ? quotedIdentifier(pos + 3) : string(pos + 3, false);
        }
        if ((c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') && at(pos + 1, '\'')) {
            return string(pos + 2, false);
        }
        if (c == '\'') {
            return string(pos + 1, false);
        }
        if (c == '"') {
            return quotedIdentifier(pos + 1);
        }
        if (c == '$') {
            if (pos + 1 < end && isDigit(sql[pos + 1])) {
                int i = pos + 1;
                while (i < end && isDigit(sql[i])) {
                    i++;
                }
                return token(Kind.PARAMETER, i);
            }
            int tagEnd = dollarTagEnd(pos);
            if (tagEnd > 0) {
                return dollarString(tagEnd);
            }
            return token(Kind.PUNCT, pos + 1);
        }
        if (isIdentifierStart(c)) {
            int i = pos + 1;
            while (i < end && isIdentifierPart(sql[i] & 0xff)) {
                i++;
            }
            return token(Kind.WORD, i);
        }
        if (isDigit(sql[pos]) || c == '.' && pos + 1 < end && isDigit(sql[pos + 1])) {
            int i = pos + 1;
            while (i < end && (isDigit(sql[i]) || sql[i] == '.' || sql[i] == '_' || isLetter(sql[i] & 0xff))) {
                i++;
            }
            return token(Kind.NUMBER, i);
        }
        return token(Kind.PUNCT, pos + 1);
    }

    /** Whether the current token is the word {@code lowerCase} (an unquoted keyword or name, in any case). */
    public boolean isWord(String lowerCase) {
        return kind == Kind.WORD && stop - start == lowerCase.length() && regionIs(start, lowerCase);
    }

    /** Whether the current token is a word that starts with {@code lowerCase}. */
    public boolean isWordStartingWith(String lowerCase) {
        return kind == Kind.WORD && stop - start >= lowerCase.length() && regionIs(start, lowerCase);
    }

    public boolean isPunct(char c) {
        return kind == Kind.PUNCT && sql[start] == c;
    }

    /** Whether the current token is a name: a word or a quoted identifier. */
    public boolean isName() {
        return kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER;
    }

    /**
     * The current name as PostgreSQL folds it: a word lower-cased (ASCII only, as PostgreSQL does
     * for multi-byte encodings), a quoted identifier unquoted. Allocates; for the rare tokens that matter.
     */
    public String name() {
        if (kind == Kind.QUOTED_IDENTIFIER) {
            return undoubled(contentStart, contentEnd, '"');
        }
        byte[] folded = new byte[stop - start];
        for (int i = start; i < stop; i++) {
            byte b = sql[i];
            folded[i - start] = b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
        }
        return new String(folded, StandardCharsets.UTF_8);
    }

    /** The content of a string constant between its quotes, quotes undoubled (escapes are not read). */
    public String stringContent() {
        return kind == Kind.DOLLAR_STRING ? utf8(contentStart, contentEnd) : undoubled(contentStart, contentEnd, '\'');
    }

    /** Whether the current token is a {@code U&'...'} constant or a {@code U&"..."} identifier, whose escapes are Unicode. */
    public boolean isUnicodeEscaped() {
        int first = sql[start] & 0xff;
        return (kind == Kind.STRING || kind == Kind.QUOTED_IDENTIFIER) && (first == 'u' || first == 'U')
                && stop - start > 1 && sql[start + 1] == '&';
    }

    /**
     * The current token's text as PostgreSQL reads it: a word lower-cased, an identifier unquoted, a
     * constant's content with its escapes read (backslash escapes in {@code E'...'}, or in any
     * constant with standard_conforming_strings off; Unicode escapes after {@code U&}), a dollar
     * quote's body, a number or parameter as written, an operator character. For a {@code U&} token
     * it reads the {@code UESCAPE 'c'} clause that names its escape character too, and moves past it.
     * Allocates; for callers that reason about every token (the tenant guard), not for the relay.
     */
    public String value() {
        int first = kind == Kind.END ? 0 : sql[start] & 0xff;
        return switch (kind) {
            case WORD -> name();
            case QUOTED_IDENTIFIER -> isUnicodeEscaped() ? SqlEscapes.unicodeEscapes(name(), uescape()) : name();
            case STRING -> {
                if (isUnicodeEscaped()) {
                    yield SqlEscapes.unicodeEscapes(stringContent(), uescape());
                }
                yield first == 'e' || first == 'E' || first == '\'' && backslashQuotes
                        ? SqlEscapes.backslashEscapes(sql, contentStart, contentEnd) : stringContent();
            }
            case DOLLAR_STRING -> stringContent();
            case NUMBER, PARAMETER -> utf8(start, stop);
            case PUNCT -> String.valueOf((char) first);
            case END -> "";
        };
    }

    /**
     * The escape character of the current {@code U&} token: the one its {@code UESCAPE 'c'} names
     * (and then this tokenizer moves past that clause), else a backslash.
     */
    private char uescape() {
        SqlTokenizer ahead = lookahead();
        if (ahead.next() == Kind.WORD && ahead.isWord("uescape") && ahead.next() == Kind.STRING) {
            String escape = ahead.stringContent();
            if (escape.length() == 1) {
                pos = ahead.stop;
                return escape.charAt(0);
            }
        }
        return '\\';
    }

    /** A tokenizer that reads on from after the current token, leaving this one where it is. */
    public SqlTokenizer lookahead() {
        return new SqlTokenizer(sql, stop, end - stop, backslashQuotes);
    }

    /** The whole text the tokenizer reads, as the array it was given. */
    public byte[] bytes() {
        return sql;
    }

    private Kind token(Kind found, int after) {
        stop = after;
        pos = after;
        return kind = found;
    }

    private Kind string(int contentFrom, boolean escapes) {
        int i = contentFrom;
        boolean backslash = escapes || backslashQuotes;
        while (i < end) {
            byte b = sql[i];
            if (b == '\\' && backslash) {
                i += 2;
            } else if (b == '\'') {
                if (at(i + 1, '\'')) {
                    i += 2;
                } else {
                    contentStart = contentFrom;
                    contentEnd = i;
                    return token(Kind.STRING, i + 1);
                }
            } else {
                i++;
            }
        }
        contentStart = contentFrom;
        contentEnd = end;
        return token(Kind.STRING, end);
    }

    private Kind quotedIdentifier(int contentFrom) {
        int i = contentFrom;
        while (i < end) {
            if (sql[i] == '"') {
                if (at(i + 1, '"')) {
                    i += 2;
                    continue;
                }
                contentStart = contentFrom;
                contentEnd = i;
                return token(Kind.QUOTED_IDENTIFIER, i + 1);
            }
            i++;
        }
        contentStart = contentFrom;
        contentEnd = end;
        return token(Kind.QUOTED_IDENTIFIER, end);
    }

    private Kind dollarString(int tagEnd) {
        int tagLength = tagEnd - pos + 1;
        contentStart = tagEnd + 1;
        for (int i = contentStart; i + tagLength <= end; i++) {
            if (sql[i] == '$' && sameBytes(pos, i, tagLength)) {
                contentEnd = i;
                return token(Kind.DOLLAR_STRING, i + tagLength);
            }
        }
        contentEnd = end;
        return token(Kind.DOLLAR_STRING, end);
    }

    /** The index of the closing {@code $} of a dollar-quote tag opening at {@code dollar}, or -1. */
    private int dollarTagEnd(int dollar) {
        int i = dollar + 1;
        if (i < end && sql[i] == '$') {
            return i;
        }
        if (i >= end || !isIdentifierStart(sql[i] & 0xff)) {
            return -1;
        }
        while (i < end && sql[i] != '$') {
            int b = sql[i] & 0xff;
            if (!isIdentifierStart(b) && !isDigit(sql[i])) {
                return -1;
            }
            i++;
        }
        return i < end ? i : -1;
    }

    private void skipSpaceAndComments() {
        while (pos < end) {
            byte b = sql[pos];
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == 0x0b) {
                pos++;
            } else if (b == '-' && at(pos + 1, '-')) {
                pos += 2;
                while (pos < end && sql[pos] != '\n' && sql[pos] != '\r') {
                    pos++;
                }
            } else if (b == '/' && at(pos + 1, '*')) {
                int depth = 1;
                pos += 2;
                while (pos < end && depth > 0) {
                    if (sql[pos] == '/' && at(pos + 1, '*')) {
                        depth++;
                        pos += 2;
                    } else if (sql[pos] == '*' && at(pos + 1, '/')) {
                        depth--;
                        pos += 2;
                    } else {
                        pos++;
                    }
                }
            } else {
                return;
            }
        }
    }

    private boolean at(int index, char c) {
        return index < end && sql[index] == c;
    }

    private boolean regionIs(int from, String lowerCase) {
        for (int k = 0; k < lowerCase.length(); k++) {
            int b = sql[from + k];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerCase.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private boolean sameBytes(int a, int b, int length) {
        for (int k = 0; k < length; k++) {
            if (sql[a + k] != sql[b + k]) {
                return false;
            }
        }
        return true;
    }

    private String undoubled(int from, int to, char quote) {
        String text = utf8(from, to);
        String doubled = String.valueOf(quote) + quote;
        return text.contains(doubled) ? text.replace(doubled, String.valueOf(quote)) : text;
    }

    private String utf8(int from, int to) {
        return new String(sql, from, Math.max(0, to - from), StandardCharsets.UTF_8);
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isLetter(int b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }

    private static boolean isIdentifierStart(int b) {
        return isLetter(b) || b == '_' || b >= 0x80;
    }

    private static boolean isIdentifierPart(int b) {
        return isIdentifierStart(b) || (b >= '0' && b <= '9') || b == '$';
    }
}
