package dev.pgsteer.router.tenant;

import dev.pgsteer.router.sql.SqlTokenizer.Kind;
import dev.pgsteer.router.sql.SqlTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A statement as the tenant guard reasons about it: {@link SqlTokenizer}'s tokens, kept in a list
 * so that the guard can look back and ahead, each with its text as {@link SqlTokenizer#value()}
 * reads it (so that where a token ends and what it says are decided exactly as PostgreSQL's lexer
 * decides them: escape strings, standard_conforming_strings off, dollar quotes, nested comments,
 * {@code --} ended by a carriage return, {@code U&} escapes). Comments and white space vanish. It
 * never fails: text it cannot read (an unclosed quote) ends in one last token holding the rest.
 */
record SqlTokens(List<Token> tokens) {

    /** {@code text} is {@link SqlTokenizer#value()}: the word lower-cased, the identifier unquoted, the constant's or body's content. */
    record Token(Kind kind, String text) {
        boolean is(String word) {
            return kind == Kind.WORD && text.equals(word);
        }

        boolean isPunct(char c) {
            return kind == Kind.PUNCT && text.length() == 1 && text.charAt(0) == c;
        }

        /** An identifier, quoted or not, as PostgreSQL folds it. */
        boolean isName() {
            return kind == Kind.WORD || kind == Kind.QUOTED_IDENTIFIER;
        }

        /** A string constant or a dollar-quoted body. */
        boolean isConstant() {
            return kind == Kind.STRING || kind == Kind.DOLLAR_STRING;
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
        Kind kind;
        while ((kind = t.next()) != Kind.END) {
            out.add(new Token(kind, t.value()));
        }
        return new SqlTokens(List.copyOf(out));
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
