package dev.pgsteer.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionStateDetectorTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            CREATE TEMP TABLE t (id int)                              | a temporary object
            create temporary view v as select 1                       | a temporary object
            CREATE TABLE template_copy (id int)                       |
            SELECT pg_advisory_lock(42)                               | a session advisory lock
            select pg_try_advisory_lock_shared(1)                     | a session advisory lock
            SELECT pg_advisory_xact_lock(42)                          |
            SELECT pg_advisory_unlock(42)                             |
            DECLARE c CURSOR WITH HOLD FOR SELECT 1                   | a cursor WITH HOLD
            DECLARE c CURSOR FOR SELECT holder FROM t                 |
            SELECT set_config('app.tenant', 'acme', false)            | set_config()
            SELECT temp FROM readings                                 |
            INSERT INTO t VALUES ($1, $2)                             |
            """)
    void statementsThatLeaveStateOnTheirConnection(String sql, String reason) {
        byte[] bytes = ("--\n" + sql + "\0").getBytes(StandardCharsets.UTF_8);
        assertEquals(Optional.ofNullable(reason), ConnectionStateDetector.pinningReason(bytes, 3, bytes.length - 4));
    }
}
