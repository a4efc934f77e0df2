package dev.pgsteer.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.testkit.ClientTool;
import dev.pgsteer.proxy.testkit.ProxiedBackend.Route;
import dev.pgsteer.proxy.testkit.ProxiedBackend;
import dev.pgsteer.proxy.testkit.Psql;
import dev.pgsteer.proxy.testkit.ToolRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * psql, PostgreSQL's own client, must not be able to tell pgsteer from PostgreSQL: each script runs
 * once straight against the backend and once through the proxy (transaction pooling, quick mode), and
 * what psql prints on stdout and on stderr, and its exit code, must be the same.
 *
 * <p>Each script uses its own table names and drops them, so the tests run in any order; the
 * {@code expect} checks after a comparison only confirm that the script exercised what its name says.
 */
class PsqlDifferentialIT {
    static ProxiedBackend stack;
    static Psql psql;

    @TempDir
    static Path scripts;

    @BeforeAll
    static void start() {
        ClientTool tool = ClientTool.require("psql");
        stack = ProxiedBackend.quick();
        psql = new Psql(tool, stack);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void errorsKeepTheirSqlStateAndTheSessionGoesOn(TestInfo test) {
        ToolRun direct = compare(test, """
                select 1/0;
                select * from psql_no_such_table;
                selec 1;
                select 'the session goes on' as alive;
                """);
        expect(direct.stderr(), "22012", "42P01", "42601");
        expect(direct.stdout(), "the session goes on");
    }

    @Test
    void abortedTransactionRefusesStatementsUntilRollback(TestInfo test) {
        ToolRun direct = compare(test, """
                begin;
                select 1 as before_the_error;
                select 1/0;
                select 2 as refused;
                select 3 as refused_too;
                rollback;
                select 'usable again' as after_rollback;
                begin;
                select 1/0;
                commit;
                select 'after committing an aborted transaction' as alive;
                begin;
                savepoint s;
                select 1/0;
                rollback to savepoint s;
                select 'recovered by a savepoint' as inside;
                commit;
                """);
        expect(direct.stderr(), "22012", "25P02");
        expect(direct.stdout(), "ROLLBACK", "recovered by a savepoint");
    }

    @Test
    void multiStatementSimpleQueries(TestInfo test) {
        // psql splits "a; b;" itself, but "a \\; b;" goes to the server as one Query message.
        ToolRun direct = compare(test, """
                select 1; select 2;
                select 1 as first \\; select 2 as second;
                select 1 as fine \\; select 1/0 \\; select 3 as never_run;
                create table psql_multi (id int);
                insert into psql_multi values (1) \\; insert into psql_multi values (2) \\; select 1/0;
                select count(*) as rolled_back_together from psql_multi;
                insert into psql_multi values (3) \\; insert into psql_multi values (4) \\; select count(*) as committed_together from psql_multi;
                begin \\; insert into psql_multi values (5) \\; commit \\; select count(*) as explicit_block from psql_multi;
                drop table psql_multi;
                """);
        expect(direct.stdout(), "first", "second", "fine", "rolled_back_together", "committed_together", "explicit_block");
        expect(direct.stderr(), "22012");
    }

    @Test
    void emptyQueries(TestInfo test) {
        ToolRun direct = compare(test, """
                ;
                ;;;
                select 1 as before_empty \\; ;
                \\; select 2 as after_empty;
                select 'alive' as after_empty_queries;
                """);
        expect(direct.stdout(), "after_empty_queries");
    }

    @Test
    void unicodeTextRoundTrip(TestInfo test) {
        ToolRun direct = compare(test, """
                select 'héllo wörld ✓ 日本語 🐘' as greeting, length('🐘') as chars, octet_length('日本語') as bytes;
                create table psql_unicode (id int, t text);
                insert into psql_unicode values (1, 'Ωmega ≠ ∞'), (2, 'emoji 🐘🚀'), (3, 'RTL עברית'), (4, 'e' || chr(769));
                select id, t, length(t) as chars, octet_length(t) as bytes from psql_unicode order by id;
                select upper(t) as shouted from psql_unicode where id = 1;
                select * from "таблица_нет";
                drop table psql_unicode;
                """);
        expect(direct.stdout(), "🐘🚀", "日本語");
        expect(direct.stderr(), "42P01", "таблица_нет");
    }

    @Test
    void reportedSettingsFollowTheSessionAcrossTransactions(TestInfo test) {
        // PostgreSQL reports these with ParameterStatus, so pgsteer can carry them to whichever
        // connection serves the next transaction, without pinning the session.
        ToolRun direct = compare(test, """
                show application_name;
                set application_name = 'psql-differential';
                show application_name;
                begin;
                show application_name;
                commit;
                set DateStyle = 'SQL, DMY';
                select date '2024-03-05' as d, timestamp '2024-03-05 13:14:15' as ts;
                show DateStyle;
                set TimeZone = 'Asia/Tokyo';
                select timestamptz '2024-01-01 00:00:00+00' as in_tokyo;
                show TimeZone;
                begin;
                set local TimeZone = 'UTC';
                show TimeZone;
                commit;
                show TimeZone;
                select current_setting('application_name') as app, current_setting('DateStyle') as style,
                       current_setting('TimeZone') as zone;
                """);
        expect(direct.stdout(), "psql-differential", "05/03/2024", "Asia/Tokyo", "UTC");
    }

    @Test
    void unreportedSettingsFollowTheSessionAcrossTransactions(TestInfo test) {
        // work_mem is not reported: pgsteer cannot see its value, so the session keeps its connection.
        ToolRun direct = compare(test, """
                show work_mem;
                set work_mem = '7MB';
                show work_mem;
                begin;
                set local work_mem = '3MB';
                show work_mem;
                commit;
                show work_mem;
                select current_setting('work_mem') as mem;
                set statement_timeout = '1min';
                begin;
                show statement_timeout;
                commit;
                """);
        expect(direct.stdout(), "7MB", "3MB", "1min");
    }

    @Test
    void resetReturnsToTheSessionDefault(TestInfo test) {
        ToolRun direct = compare(test, """
                set application_name = 'temporary';
                reset application_name;
                show application_name;
                set DateStyle = 'German';
                reset DateStyle;
                show DateStyle;
                set work_mem = '5MB';
                set application_name = 'temporary again';
                reset all;
                show work_mem;
                show application_name;
                """);
        expect(direct.stdout(), "RESET");
    }

    @Test
    void copyFromStdinAndToStdout(TestInfo test) {
        ToolRun direct = compare(test, """
                create table psql_copy (id int primary key, name text, note text);
                \\copy psql_copy from stdin
                1\talpha\t\\N
                2\tbeta\twith space
                3\tgamma\tünïcödé 🐘
                \\.
                select count(*) as loaded from psql_copy;
                \\copy psql_copy to stdout
                \\copy (select id, name from psql_copy order by id) to stdout with (format csv, header)
                copy psql_copy to stdout;
                \\copy psql_copy from stdin with (format csv)
                4,delta,"quoted, comma"
                \\.
                select * from psql_copy order by id;
                drop table psql_copy;
                """);
        expect(direct.stdout(), "COPY 3", "quoted, comma", "ünïcödé 🐘");
    }

    @Test
    void copyWithABadRowFailsAndTheSessionGoesOn(TestInfo test) {
        ToolRun direct = compare(test, """
                create table psql_copy_bad (id int, name text);
                \\copy psql_copy_bad from stdin
                1\tfine
                oops\tnot a number
                3\tnever loaded
                \\.
                select count(*) as loaded_after_error from psql_copy_bad;
                \\copy psql_copy_bad from stdin
                5\tgood
                \\.
                select * from psql_copy_bad order by id;
                begin;
                \\copy psql_copy_bad from stdin
                bad\trow
                \\.
                select 1 as refused;
                rollback;
                drop table psql_copy_bad;
                """);
        expect(direct.stderr(), "22P02", "25P02");
        expect(direct.stdout(), "loaded_after_error", "good");
    }

    @Test
    void noticesAndWarningsReachTheClient(TestInfo test) {
        ToolRun direct = compare(test, """
                DO $$ BEGIN RAISE NOTICE 'hi'; END $$;
                DO $$ BEGIN RAISE WARNING 'careful: %', 42; RAISE NOTICE 'ünïcode notice 🐘'; END $$;
                DO $$ BEGIN RAISE NOTICE 'with detail' USING DETAIL = 'the detail', HINT = 'the hint'; END $$;
                drop table if exists psql_notice_never_created;
                DO $$ BEGIN RAISE EXCEPTION 'custom failure' USING ERRCODE = 'P0001', DETAIL = 'some detail'; END $$;
                select 'after notices' as alive;
                """);
        expect(direct.stderr(), "NOTICE:  00000: hi", "WARNING", "the hint", "P0001", "skipping");
    }

    @Test
    void preparedStatementsInsideOneTransaction(TestInfo test) {
        // SQL-level PREPARE outlives its transaction on the backend; kept inside one here, and
        // deallocated, so that transaction pooling leaves no statement behind on the connection.
        ToolRun direct = compare(test, """
                begin;
                prepare psql_double(int) as select $1 * 2 as doubled;
                execute psql_double(21);
                execute psql_double(50);
                select name, statement from pg_prepared_statements order by name;
                deallocate psql_double;
                commit;
                begin;
                execute psql_missing(1);
                rollback;
                begin;
                prepare psql_div(int) as select 10 / $1 as quotient;
                execute psql_div(5);
                deallocate psql_div;
                execute psql_div(0);
                rollback;
                """);
        expect(direct.stdout(), "doubled", "42", "100", "quotient");
        expect(direct.stderr(), "26000");
    }

    @Test
    void largeResult(TestInfo test) {
        Path script = write(test, "select g, repeat('x', 1000) from generate_series(1, 2000) g;\n");
        ToolRun direct = psql.run(Route.DIRECT, script);
        ToolRun proxied = psql.run(Route.PROXY, script);
        assertEquals(direct.exitCode(), proxied.exitCode(), proxied.describe());
        assertEquals(direct.stderr(), proxied.stderr(), Differences.firstDifference(direct.stderr(), proxied.stderr()));
        assertEquals(direct.stdout().length(), proxied.stdout().length(), "characters printed");
        assertEquals(md5(direct.stdout()), md5(proxied.stdout()), "md5 of the output");
        assertTrue(direct.stdout().length() > 2_000_000, "the script should print about 2 MB, printed " + direct.stdout().length());
        expect(direct.stdout(), "(2000 rows)");
    }

    @Test
    void gsetStoresColumnsInVariables(TestInfo test) {
        ToolRun direct = compare(test, """
                select 42 as answer, 'hello' as greeting \\gset
                \\echo :answer :greeting
                select :answer + 1 as next, :'greeting' as quoted;
                select 'psql_' || 'gset' as name \\gset prefix_
                \\echo :prefix_name
                select 1/0 \\gset
                select 1 as a, 2 as b from generate_series(1, 2) \\gset
                \\echo :answer
                \\conninfo
                """);
        expect(direct.stdout(), "42 hello", "psql_gset", "You are connected");
        assertFalse(Psql.containsPort(psql.normalize(direct.stdout()), stack.port(Route.DIRECT)), "ports are normalized");
    }

    // --- helpers ---

    /** Runs the script by both routes and asserts psql printed the same; returns the direct run. */
    private static ToolRun compare(TestInfo test, String script) {
        Path file = write(test, script);
        ToolRun direct = psql.run(Route.DIRECT, file);
        ToolRun proxied = psql.run(Route.PROXY, file);
        String directOut = psql.normalize(direct.stdout());
        String proxiedOut = psql.normalize(proxied.stdout());
        String directErr = psql.normalize(direct.stderr());
        String proxiedErr = psql.normalize(proxied.stderr());
        assertEquals(directErr, proxiedErr, "stderr differs, " + Differences.firstDifference(directErr, proxiedErr));
        assertEquals(directOut, proxiedOut, "stdout differs, " + Differences.firstDifference(directOut, proxiedOut));
        assertEquals(direct.exitCode(), proxied.exitCode(), "exit code\n" + proxied.describe());
        return direct;
    }

    /** The script is a file (not stdin), so that psql reads {@code \copy ... from stdin} data from it. */
    private static Path write(TestInfo test, String script) {
        Path file = scripts.resolve(test.getTestMethod().orElseThrow().getName() + ".sql");
        try {
            return Files.writeString(file, script, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Confirms the script did what the test is about, so that a pass is not two empty outputs agreeing. */
    private static void expect(String output, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(output.contains(fragment), "expected the direct run to print \"" + fragment + "\":\n" + output);
        }
    }

    private static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
