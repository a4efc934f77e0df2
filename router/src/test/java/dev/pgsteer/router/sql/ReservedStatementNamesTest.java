package dev.pgsteer.router.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SQL naming one of pgsteer's backend statements, and what the backend gets instead. */
class ReservedStatementNamesTest {

    private static String renamed(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        ReservedStatementNames.Renamed r = ReservedStatementNames.rename(bytes, 0, bytes.length, false, "pgsteer_none");
        return r == null ? sql : new String(r.sql(), StandardCharsets.UTF_8) + " [" + r.firstName() + "]";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            EXECUTE pgsteer_0a1b                                  | EXECUTE pgsteer_none [pgsteer_0a1b]
            execute PGSTEER_0A1B(1, 'x')                          | execute pgsteer_none(1, 'x') [pgsteer_0a1b]
            EXECUTE "pgsteer_0a1b"                                | EXECUTE pgsteer_none [pgsteer_0a1b]
            EXPLAIN (ANALYZE) EXECUTE pgsteer_0a1b                | EXPLAIN (ANALYZE) EXECUTE pgsteer_none [pgsteer_0a1b]
            CREATE TABLE t AS EXECUTE pgsteer_0a1b                | CREATE TABLE t AS EXECUTE pgsteer_none [pgsteer_0a1b]
            DEALLOCATE pgsteer_0a1b                               | DEALLOCATE pgsteer_none [pgsteer_0a1b]
            DEALLOCATE PREPARE pgsteer_0a1b                       | DEALLOCATE PREPARE pgsteer_none [pgsteer_0a1b]
            SELECT 1; EXECUTE pgsteer_aa; EXECUTE pgsteer_bb      | SELECT 1; EXECUTE pgsteer_none; EXECUTE pgsteer_none [pgsteer_aa]
            DO $$BEGIN EXECUTE 'EXECUTE pgsteer_0a1b'; END$$      | DO $$BEGIN EXECUTE 'EXECUTE pgsteer_none'; END$$ [pgsteer_0a1b]
            EXECUTE my_statement                                  | EXECUTE my_statement
            EXECUTE "PGSTEER_0A1B"                                | EXECUTE "PGSTEER_0A1B"
            SELECT name FROM pg_prepared_statements WHERE name LIKE 'pgsteer_%' | SELECT name FROM pg_prepared_statements WHERE name LIKE 'pgsteer_%'
            GRANT EXECUTE ON FUNCTION pgsteer_f() TO x            | GRANT EXECUTE ON FUNCTION pgsteer_f() TO x
            SELECT 'EXECUTE' AS pgsteer_x                         | SELECT 'EXECUTE' AS pgsteer_x
            """)
    void renamesReferencesToPgsteersStatements(String sql, String expected) {
        assertEquals(expected, renamed(sql));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            SELECT 1
            EXECUTE pgsteer
            """)
    void leavesTextWithoutThePrefixAlone(String sql) {
        byte[] bytes = sql.getBytes(StandardCharsets.UTF_8);
        assertNull(ReservedStatementNames.rename(bytes, 0, bytes.length, false, "pgsteer_none"));
    }
}
