package dev.pgsteer.router.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a statement does to the state of its session's connection, as the scanner reports it:
 * {@code pin:reason}, {@code set:name}, {@code reset:name}, {@code reset-all}, {@code may-change},
 * in the order found, joined by spaces; empty when it changes nothing that stays.
 */
class SessionStateScannerTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', nullValues = "NONE", textBlock = """
            SELECT * FROM accounts WHERE id = $1                           | NONE
            SELECT temp FROM readings                                      | NONE
            INSERT INTO t VALUES ($1, 'SET search_path = x')               | NONE
            SELECT 1 -- SET search_path = x                                | NONE
            SELECT 1 /* LISTEN x /* nested */ CREATE TEMP TABLE */         | NONE
            SET statement_timeout = '5s'                                   | set:statement_timeout
            set Statement_Timeout to 5000                                  | set:statement_timeout
            SET SESSION work_mem = '8MB'                                   | set:work_mem
            SET LOCAL app.tenant_id = '42'                                 | NONE
            SET app.tenant_id = 42                                         | set:app.tenant_id
            SET "App"."Tenant" = 42                                        | set:App.Tenant
            SET search_path TO DEFAULT                                     | reset:search_path
            SET default_transaction_isolation TO DEFAULT                   | reset:default_transaction_isolation
            SET TIME ZONE 'UTC'                                            | set:timezone
            SET TIME ZONE LOCAL                                            | reset:timezone
            SET SCHEMA 'victim'                                            | set:search_path
            SET NAMES 'UTF8'                                               | set:client_encoding
            SET ROLE reader                                                | set:role
            SET ROLE NONE                                                  | reset:role
            SET XML OPTION DOCUMENT                                        | set:xmloption
            SET SESSION AUTHORIZATION alice                                | pin:SET SESSION AUTHORIZATION
            SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY           | set:default_transaction_isolation set:default_transaction_read_only set:default_transaction_deferrable
            SET TRANSACTION ISOLATION LEVEL SERIALIZABLE                   | NONE
            SET CONSTRAINTS ALL DEFERRED                                   | NONE
            RESET statement_timeout                                        | reset:statement_timeout
            RESET app.tenant_id                                            | reset:app.tenant_id
            RESET ALL                                                      | reset-all
            RESET ROLE                                                     | reset:role
            RESET TIME ZONE                                                | reset:timezone
            DISCARD ALL                                                    | reset-all
            DISCARD TEMP                                                   | NONE
            SELECT set_config('app.tenant_id', '42', true)                 | NONE
            SELECT pg_catalog.set_config('app.tenant_id', $1, 'on')        | NONE
            SELECT set_config('app.tenant_id', '42', false)                | set:app.tenant_id
            SELECT set_config('search_path', $1, $2)                       | set:search_path
            SELECT set_config($1, $2, false)                               | may-change
            SELECT "set_config"('x.y', '1', false)                         | set:x.y
            CREATE TEMP TABLE t (id int)                                   | pin:a temporary object
            create local temporary view v as select 1                      | pin:a temporary object
            CREATE TABLE pg_temp.t (id int)                                | pin:a temporary object
            CREATE TABLE template_copy (temp int)                          | NONE
            CREATE FUNCTION f() RETURNS int AS 'CREATE TEMP TABLE x()' LANGUAGE sql | NONE
            SELECT * INTO TEMP t FROM accounts                             | pin:a temporary object
            SELECT pg_advisory_lock(42)                                    | pin:a session advisory lock
            select pg_try_advisory_lock_shared(1)                          | pin:a session advisory lock
            SELECT pg_advisory_xact_lock(42)                               | NONE
            SELECT pg_advisory_unlock(42)                                  | NONE
            DECLARE c CURSOR WITH HOLD FOR SELECT 1                        | pin:a cursor WITH HOLD
            DECLARE "c_1" CURSOR WITHOUT HOLD FOR SELECT 1                 | NONE
            DECLARE c CURSOR FOR SELECT holder FROM t                      | NONE
            LISTEN jobs                                                    | pin:LISTEN
            LOAD 'auto_explain'                                            | pin:LOAD of a library
            DO $$BEGIN PERFORM 1; END$$                                    | may-change
            DO $$BEGIN CREATE TEMP TABLE x (); END$$                       | may-change pin:a temporary object
            DO $$BEGIN EXECUTE concat('SET RO', 'LE x'); END$$             | may-change set:ro
            CALL refresh_all()                                             | may-change
            SELECT 1; SET work_mem = '1MB'                                 | set:work_mem
            SELECT ';'; RESET ALL                                          | reset-all
            """)
    void findsWhatStaysOnTheConnection(String sql, String expected) {
        assertEquals(expected == null ? "" : expected, scan(sql, false));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', nullValues = "NONE", textBlock = """
            SELECT 'it''s'; SET work_mem = '1MB'                           | set:work_mem
            SELECT E'\\''; SET work_mem = '1MB'                            | set:work_mem
            SELECT $a$ ; SET x.y = 1 $a$                                   | NONE
            SELECT U&'d\\0061t\\+000061'; LISTEN x                          | pin:LISTEN
            SELECT "a "" ; LISTEN x"                                       | NONE
            """)
    void quotesEndWherePostgresEndsThem(String sql, String expected) {
        assertEquals(expected == null ? "" : expected, scan(sql, false));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            SELECT 1; --<CR>SET work_mem = '1MB'                           | set:work_mem
            """)
    void aLineCommentEndsAtACarriageReturn(String sql, String expected) {
        assertEquals(expected, scan(sql.replace("<CR>", "\r"), false));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            SELECT 'a\\'; SET work_mem = 1 --'                             | ''
            """)
    void withoutStandardConformingStringsABackslashEscapesAQuote(String sql, String expected) {
        assertEquals("", scan(sql, true));
        assertEquals("set:work_mem", scan(sql, false));
    }

    private static String scan(String sql, boolean backslashQuotes) {
        byte[] bytes = ("--\n" + sql + "\0").getBytes(StandardCharsets.UTF_8);
        List<String> found = new ArrayList<>();
        SessionStateScanner.scan(bytes, 3, bytes.length - 4, backslashQuotes, new SessionStateScanner.Effects() {
            @Override
            public void pins(String reason) {
                found.add("pin:" + reason);
            }

            @Override
            public void setsSession(String name) {
                found.add("set:" + name);
            }

            @Override
            public void resets(String name) {
                found.add("reset:" + name);
            }

            @Override
            public void resetsAll() {
                found.add("reset-all");
            }

            @Override
            public void mayChangeSettings(String what) {
                found.add("may-change");
            }
        });
        return String.join(" ", found);
    }
}
