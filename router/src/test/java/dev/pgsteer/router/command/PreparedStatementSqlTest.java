package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.router.command.PreparedStatementSql.Bound;
import dev.pgsteer.router.command.PreparedStatementSql.Failed;
import dev.pgsteer.router.command.PreparedStatementSql.Statement;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An EXECUTE on a sharded session as the statement it runs: the prepared statement with each argument
 * written in as a constant of its parameter's type, or the reason it is not (PostgreSQL's error for a
 * wrong count, 0A000 for an argument whose meaning a text could change).
 */
class PreparedStatementSqlTest {

    @ParameterizedTest(name = "{0} with {1} and {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            SELECT * FROM t WHERE id = $1             | bigint         | EXECUTE p('42')          | SELECT * FROM t WHERE id = ('42'::bigint)
            SELECT * FROM t WHERE id = $1             | bigint         | EXECUTE p(42)            | SELECT * FROM t WHERE id = ((42)::bigint)
            SELECT * FROM t WHERE id = $1             | bigint         | EXECUTE p(-42)           | SELECT * FROM t WHERE id = ((-42)::bigint)
            SELECT $2, $1, '$1', $1                   | text,integer   | EXECUTE p(NULL, '7')     | SELECT ('7'::integer), (NULL::text), '$1', (NULL::text)
            UPDATE t SET on_ = $1 WHERE id = $2       | boolean,bigint | EXECUTE p(true, 1)       | UPDATE t SET on_ = (true::boolean) WHERE id = ((1)::bigint)
            SELECT $1 /* $1 */                        | text           | EXECUTE p(E'a\\nb')      | SELECT (E'a\\nb'::text) /* $1 */
            SELECT $1                                 | text           | EXECUTE p($$it's$$)      | SELECT ($$it's$$::text)
            SELECT 1                                  |                | EXECUTE p                | SELECT 1
            SELECT $1                                 | integer        | EXECUTE p                | 42601 wrong number of parameters for prepared statement "p"
            SELECT $1                                 | integer        | EXECUTE p(1, 2)          | 42601 wrong number of parameters for prepared statement "p"
            SELECT $1                                 | boolean        | EXECUTE p(1)             | 0A000 EXECUTE p: argument 1 (1) for a parameter of type boolean is not supported on a sharded database, which writes EXECUTE's arguments into the statement to route it: give a quoted constant ('...') or NULL
            SELECT $1                                 | date           | EXECUTE p(true)          | 0A000 EXECUTE p: argument 1 (true) for a parameter of type date is not supported on a sharded database, which writes EXECUTE's arguments into the statement to route it: give a quoted constant ('...') or NULL
            SELECT $1                                 | timestamp with time zone | EXECUTE p(now()) | 0A000 EXECUTE p: argument 1 (now()) for a parameter of type timestamp with time zone is not supported on a sharded database, which writes EXECUTE's arguments into the statement to route it: give a quoted constant ('...') or NULL (an expression is evaluated once by EXECUTE; compute it first)
            """)
    void executeAsTheStatementItRuns(String body, String types, String execute, String expected) {
        List<String> typeList = types == null ? List.of() : Arrays.asList(types.split(","));
        Bound bound = PreparedStatementSql.bind("p", body, typeList, PreparedStatementSql.execute(execute), false);
        String got = switch (bound) {
            case Statement s -> s.sql();
            case Failed f -> f.sqlState() + " " + f.message().lines().findFirst().orElseThrow();
        };
        assertEquals(expected, got);
    }
}
