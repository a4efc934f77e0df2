package dev.pgsteer.router.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The token API as a table: SQL text, then each token as {@code KIND:value}, the value read as
 * PostgreSQL reads it ({@link SqlTokenizer#value()}). Comments and white space are not tokens.
 */
class SqlTokenizerTest {

    static String tokens(String sql, boolean backslashQuotes) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        SqlTokenizer t = new SqlTokenizer(bytes, 0, bytes.length, backslashQuotes);
        List<String> out = new ArrayList<>();
        while (t.next() != SqlTokenizer.Kind.END) {
            out.add(t.kind() + ":" + t.value());
        }
        return String.join(" ", out);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            SET Search_Path TO x                        | WORD:set WORD:search_path WORD:to WORD:x
            SELECT "My""Name" -- gone                   | WORD:select QUOTED_IDENTIFIER:My"Name
            SELECT 'it''s', E'\\x41\\102'               | WORD:select STRING:it's PUNCT:, STRING:AB
            SELECT $1 + 2.5e3                           | WORD:select PARAMETER:$1 PUNCT:+ NUMBER:2.5e3
            DO $b$SET x$b$ /* a /* nested */ one */     | WORD:do DOLLAR_STRING:SET x
            SELECT U&'d\\0061ta', U&'x!0041' UESCAPE '!' ; | WORD:select STRING:data PUNCT:, STRING:xA PUNCT:;
            SELECT U&"set\\005fconfig"                  | WORD:select QUOTED_IDENTIFIER:set_config
            """)
    void tokensAndTheirValues(String sql, String expected) {
        assertEquals(expected, tokens(sql, false));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            SELECT 'a\\'b' | WORD:select STRING:a'b
            SELECT 'x\\137y' | WORD:select STRING:x_y
            """)
    void withStandardConformingStringsOffABackslashEscapesInAnyConstant(String sql, String expected) {
        assertEquals(expected, tokens(sql, true));
    }
}
