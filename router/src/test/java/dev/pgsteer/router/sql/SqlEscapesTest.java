package dev.pgsteer.router.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Escapes read as PostgreSQL reads them (moved here from TenantGuardTest with the code they test). */
class SqlEscapesTest {

    @Test
    void unicodeEscapesAreReadAsPostgreSQLReadsThem() {
        assertEquals("set_config", SqlEscapes.unicodeEscapes("set\\005fconfig", '\\'));
        assertEquals("d\u00e9lta+!", SqlEscapes.unicodeEscapes("d!00e9lta!+00002B!!", '!'));
        assertEquals("\\zzzz", SqlEscapes.unicodeEscapes("\\zzzz", '\\'));
    }

    @Test
    void escapeStringsAreDecoded() {
        byte[] sql = "a\\137b\\x41\\u00e9\\n\\q''".getBytes(StandardCharsets.UTF_8);
        assertEquals("a_bA\u00e9\nq'", SqlEscapes.backslashEscapes(sql, 0, sql.length));
    }
}
