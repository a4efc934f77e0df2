package dev.pgsteer.proxy.sharding.relay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import org.junit.jupiter.api.Test;

/** Which statements the session may run again without scanning their text for session state. */
class QuietStatementsTest {
    private final QuietStatements quiet = new QuietStatements();

    @Test
    void aStatementThatChangesNothingIsKnownAsThatObject() {
        LexedStatement select = SqlLexer.statement("SELECT abalance FROM pgbench_accounts WHERE aid = $1");
        assertFalse(quiet.known(select, false));
        quiet.learn(select);
        assertTrue(quiet.known(select, false));
        assertFalse(quiet.known(SqlLexer.statement(select.text()), false), "by identity: another object is scanned");
    }

    @Test
    void statementsTheScannerReportsAnythingInAreNeverKnown() {
        for (String sql : new String[] {"SET search_path = app", "SET TimeZone = 'UTC'", "RESET ALL",
                "SELECT set_config('search_path', $1, false)", "SELECT pg_advisory_lock($1)", "CREATE TEMP TABLE t (a int)",
                "DO $$ BEGIN PERFORM 1; END $$"}) {
            LexedStatement statement = SqlLexer.statement(sql);
            quiet.learn(statement);
            assertFalse(quiet.known(statement, false), sql);
        }
    }

    @Test
    void anotherQuotingOfBackslashesForgetsWhatWasKnown() {
        // Without backslash quotes the string ends at a\' and set_config is called; with them it is inside the string.
        LexedStatement select = SqlLexer.statement("SELECT 'a\\', set_config('search_path', 'x', false) --'");
        quiet.learn(select);
        assertFalse(quiet.known(select, false));
        assertFalse(quiet.known(select, true));
        quiet.learn(select);
        assertTrue(quiet.known(select, true));
        assertFalse(quiet.known(select, false), "read otherwise now: scanned again");
        quiet.learn(select);
        assertFalse(quiet.known(select, false));
    }

    @Test
    void aFewAreKeptTheOldestGoesFirst() {
        LexedStatement first = SqlLexer.statement("SELECT 0");
        quiet.learn(first);
        for (int i = 1; i <= 8; i++) {
            quiet.learn(SqlLexer.statement("SELECT " + i));
        }
        assertFalse(quiet.known(first, false));
    }
}
