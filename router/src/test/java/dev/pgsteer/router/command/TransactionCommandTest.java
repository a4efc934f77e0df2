package dev.pgsteer.router.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Transaction control, told apart by its words; and what a failed transaction still accepts. */
class TransactionCommandTest {
    final RouterFixture fixture = new RouterFixture();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            BEGIN                                   | begin
            begin isolation level serializable      | begin
            START TRANSACTION READ ONLY             | begin
            COMMIT                                  | commit
            end;                                    | commit
            COMMIT AND NO CHAIN                     | commit
            ROLLBACK                                | rollback
            abort                                   | rollback
            ROLLBACK WORK                           | rollback
            SAVEPOINT a                             | savepoint savepoint tag SAVEPOINT
            RELEASE a                               | savepoint release tag RELEASE
            RELEASE SAVEPOINT a                     | savepoint release tag RELEASE
            ROLLBACK TO a                           | savepoint rollback_to tag ROLLBACK
            ROLLBACK TO SAVEPOINT a                 | savepoint rollback_to tag ROLLBACK
            ROLLBACK TRANSACTION TO SAVEPOINT a     | savepoint rollback_to tag ROLLBACK
            /* c */ ROLLBACK WORK TO a              | savepoint rollback_to tag ROLLBACK
            COMMIT PREPARED 'x'                     | refused 0A000 COMMIT PREPARED is not supported on a sharded database
            ROLLBACK PREPARED 'x'                   | refused 0A000 ROLLBACK PREPARED is not supported on a sharded database
            PREPARE TRANSACTION 'x'                 | refused 0A000 PREPARE TRANSACTION is not supported on a sharded database
            PREPARE q AS SELECT 1                   | prepare q as SELECT 1
            prepare "Q" (int, numeric(10,2)) as SELECT $1, $2 | prepare Q (int, numeric(10,2)) as SELECT $1, $2
            PREPARE q AS                            | refused 42601 syntax error in PREPARE: write PREPARE name [ ( type [, ...] ) ] AS statement
            EXECUTE q                               | execute q with []
            EXECUTE Q('a''b', -4.5, NULL, true, now(), $$x$$) | execute q with [Quoted 'a''b', Number -4.5, Null NULL, Bool true, Expression now(), Quoted $$x$$]
            EXECUTE q(1, (2, 3))                    | execute q with [Number 1, Expression (2, 3)]
            EXECUTE q(                              | refused 42601 syntax error in EXECUTE: write EXECUTE name [ ( argument [, ...] ) ]
            DEALLOCATE q                            | deallocate tag DEALLOCATE of q
            DEALLOCATE PREPARE "Q"                  | deallocate tag DEALLOCATE of Q
            DEALLOCATE ALL                          | deallocate tag DEALLOCATE ALL
            DEALLOCATE PREPARE ALL                  | deallocate tag DEALLOCATE ALL
            """)
    void transactionControl(String sql, String command) {
        assertEquals(command, fixture.answer(sql));
    }

    @ParameterizedTest(name = "failed transaction: {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            COMMIT                                  | commit
            END                                     | commit
            ROLLBACK                                | rollback
            ABORT                                   | rollback
            ROLLBACK TO a                           | savepoint rollback_to tag ROLLBACK
            SELECT * FROM orders WHERE customer_id = 4 | refused 25P02 current transaction is aborted, commands ignored until end of transaction block
            SAVEPOINT b                             | refused 25P02 current transaction is aborted, commands ignored until end of transaction block
            SET search_path = x                     | refused 25P02 current transaction is aborted, commands ignored until end of transaction block
            """)
    void aFailedTransactionAcceptsOnlyItsEnd(String sql, String command) {
        assertEquals(command, fixture.answer(sql, new RouteContext(Set.of("s1"), true, false)));
    }

    /** Words are read by the SQL tokenizer, which skips comments of both kinds as PostgreSQL does. */
    @Test
    void aLeadingLineCommentDoesNotHideTheSecondWord() {
        assertEquals("savepoint rollback_to tag ROLLBACK", fixture.answer("-- undo the last step\nROLLBACK TO a"));
        assertEquals("deallocate tag DEALLOCATE ALL", fixture.answer("/* a */ /* b */ DEALLOCATE -- all of them\n ALL"));
        assertEquals("refused 0A000 COMMIT PREPARED is not supported on a sharded database",
                fixture.answer("commit/**/prepared 'x'"));
    }
}
