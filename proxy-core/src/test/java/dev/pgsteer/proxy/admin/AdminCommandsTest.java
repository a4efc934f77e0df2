package dev.pgsteer.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.admin.AdminCommands.Parsed;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How the console reads a statement: a table of texts and what they select. */
class AdminCommandsTest {
    private final AdminCommands commands = new AdminCommands();

    @ParameterizedTest(name = "{0} runs {1}")
    @CsvSource(delimiter = '|', value = {
            "SHOW POOLS              | SHOW POOLS",
            "show pools              | SHOW POOLS",
            "  Show   Pools ;        | SHOW POOLS",
            "SHOW POOLS;;            | SHOW POOLS",
            "SHOW DATABASES          | SHOW DATABASES",
            "SHOW SHARDS             | SHOW SHARDS",
            "show buckets            | SHOW BUCKETS",
            "SHOW STATS              | SHOW STATS",
            "SHOW CONFIG             | SHOW CONFIG",
            "SHOW VERSION            | SHOW VERSION",
            "SHOW HELP               | SHOW HELP",
            "help                    | SHOW HELP",
            "HELP;                   | SHOW HELP",
            "reload;                 | RELOAD",
    })
    void aCommandIsFoundWhateverItsCaseAndSpacing(String text, String command) {
        Parsed parsed = commands.parse(text);
        assertEquals(command, assertInstanceOf(Parsed.Run.class, parsed).command().name());
    }

    @ParameterizedTest(name = "{0} is unknown (42601)")
    @CsvSource({"SHOW POOL", "SHOW TENANT", "SHOW server_version", "PAUSE demo", "RESUME demo", "show", "RELOAD demo", "KILL"})
    void aConsoleVerbWithAnUnknownObjectIsAnUnknownCommand(String text) {
        assertInstanceOf(Parsed.Unknown.class, commands.parse(text));
    }

    @ParameterizedTest(name = "{0} is SQL (0A000)")
    @CsvSource({"SELECT 1", "select * from pg_stat_activity", "BEGIN", "CREATE TABLE acme (id int)", "EXPLAIN SHOW POOLS"})
    void sqlIsNotACommand(String text) {
        assertInstanceOf(Parsed.NotACommand.class, commands.parse(text));
    }

    @ParameterizedTest(name = "{0} gets its syntax (42601)")
    @CsvSource({"CREATE TENANT acme", "ALTER TENANT acme SET SIDEWAYS", "DROP TENANT", "MIGRATE 'f.sql' TENANTS"})
    void aTenantCommandWithoutItsArgumentsGetsItsSyntax(String text) {
        Parsed.Invalid invalid = assertInstanceOf(Parsed.Invalid.class, commands.parse(text));
        assertEquals("42601", invalid.error().sqlState());
    }

    @Test
    void tenantCommandsTakeTheirArguments() {
        assertEquals("CREATE TENANT", assertInstanceOf(Parsed.Run.class,
                commands.parse("create tenant acme mode schema on s1 role acme password 'it''s'")).command().name());
        assertEquals(List.of("CREATE", "TENANT", "acme", "PASSWORD", "it's"), TenantAdmin.words("CREATE TENANT acme PASSWORD 'it''s'"));
        assertEquals(List.of("MIGRATE", "/a b.sql", "TENANTS", "x", "y"), TenantAdmin.words("MIGRATE '/a b.sql' TENANTS x, y"));
    }

    @Test
    void setAndResetAreAcceptedAndIgnoredForDrivers() {
        assertEquals(new Parsed.Ignored("SET"), commands.parse("SET extra_float_digits = 3"));
        assertEquals(new Parsed.Ignored("SET"), commands.parse("set application_name = 'PostgreSQL JDBC Driver'"));
        assertEquals(new Parsed.Ignored("RESET"), commands.parse("RESET ALL"));
    }

    @Test
    void tabsAndNewlinesAreSpaces() {
        assertEquals("SHOW CLIENTS", assertInstanceOf(Parsed.Run.class, commands.parse("show\tclients\n")).command().name());
    }

    @Test
    void blankIsEmpty() {
        assertInstanceOf(Parsed.Empty.class, commands.parse("  ; "));
    }

    @Test
    void aQueryIsSplitAtSemicolonsOutsideQuotes() {
        assertEquals(List.of("SHOW POOLS", "SHOW CLIENTS"), AdminCommands.split("SHOW POOLS; SHOW CLIENTS;"));
        assertEquals(List.of("SET application_name = 'a;b'", "SHOW VERSION"),
                AdminCommands.split("SET application_name = 'a;b'; SHOW VERSION"));
        assertEquals(List.of(), AdminCommands.split(" ; ;"));
        // The SQL lexer's split: a semicolon in a comment or a dollar quote ends nothing.
        assertEquals(List.of("SHOW POOLS -- ; not here", "SHOW CLIENTS"), AdminCommands.split("SHOW POOLS -- ; not here\n; SHOW CLIENTS"));
        assertEquals(List.of("SET application_name = $$a;b$$", "SHOW VERSION"), AdminCommands.split("SET application_name = $$a;b$$; SHOW VERSION"));
    }

    @Test
    void theHintListsEveryCommand() {
        assertEquals("SHOW DATABASES, SHOW SHARDS, SHOW BUCKETS, SHOW POOLS, SHOW CLIENTS, SHOW COORDINATORS, SHOW STATS, SHOW CONFIG, SHOW VERSION, "
                + "SHOW TENANTS, SHOW METADATA, PAUSE, RESUME, RELOAD, SHOW SHARD MAP VERSION, CREATE TENANT, ALTER TENANT, "
                + "DROP TENANT, MIGRATE, SET BUCKET, SPLIT BUCKETS, ASSIGN KEY, ASSIGN KEYS, UNASSIGN KEY, SHOW KEYS, SHOW KEY, "
                + "COPY KEYS, ADD SHARD, MOVE BUCKET, MOVE TENANT, MOVE KEY, SHOW MOVES, SHOW MOVE, CANCEL MOVE, REBALANCE, SPLIT SHARD, SHOW HELP (or HELP)", commands.names());
    }

    @Test
    void addShardTakesItsArgumentsOrSaysItsSyntax() {
        for (String command : List.of("ADD SHARD s3 'postgresql://127.0.0.1:5433/demo'", "add shard s3 postgresql://h:5433/demo to shop",
                "ADD SHARD \"s-3\" 'postgresql://h/demo' TO shop SCHEMA EXISTS;", "ADD SHARD s3 'postgresql://h/demo' schema exists")) {
            assertEquals("ADD SHARD", assertInstanceOf(Parsed.Run.class, commands.parse(command)).command().name(), command);
        }
        for (String wrong : List.of("ADD SHARD s3", "ADD SHARD", "ADD SHARD s3 'postgresql://h/demo' TO", "ADD s3 'url'")) {
            AdminCommandException error = assertInstanceOf(Parsed.Invalid.class, commands.parse(wrong)).error();
            assertEquals("42601", error.sqlState(), wrong);
            assertTrue(error.hint().contains("ADD SHARD name 'postgresql://...' [TO database] [SCHEMA EXISTS]"), error.hint());
        }
    }

    @Test
    void bucketCommandsTakeTheirArgumentsAndAreNotTheSetDriversSend() {
        assertEquals("SET BUCKET", assertInstanceOf(Parsed.Run.class, commands.parse("set bucket 5 of orders to s2")).command().name());
        assertEquals("SET BUCKET", assertInstanceOf(Parsed.Run.class,
                commands.parse("SET BUCKET '5 of 12' OF orders IN shop TO s2;")).command().name());
        assertEquals("SPLIT BUCKETS", assertInstanceOf(Parsed.Run.class,
                commands.parse("SPLIT BUCKETS OF orders INTO 24")).command().name());
        assertEquals("SHOW SHARD MAP VERSION", assertInstanceOf(Parsed.Run.class,
                commands.parse("show shard map version")).command().name());
        for (String wrong : List.of("SET BUCKET 5 TO s2", "SET BUCKET five OF orders TO s2", "SPLIT BUCKETS OF orders", "SPLIT orders")) {
            assertEquals("42601", assertInstanceOf(Parsed.Invalid.class, commands.parse(wrong)).error().sqlState(), wrong);
        }
        // A driver's SET is still accepted and ignored.
        assertInstanceOf(Parsed.Ignored.class, commands.parse("SET extra_float_digits = 3"));
    }

    @Test
    void keyCommandsTakeTheirArgumentsOrSayTheirSyntax() {
        for (String command : List.of("ASSIGN KEY 'acme' TO s2", "assign key 'acme' of tenants in shop to s2 force",
                "ASSIGN KEYS FROM '/tmp/keys.csv' OF tenants", "UNASSIGN KEY 'acme'", "SHOW KEYS", "SHOW KEYS OF tenants IN shop",
                "SHOW KEY 'acme' OF tenants", "COPY KEYS FROM STDIN", "copy keys of tenants in shop from stdin")) {
            assertTrue(commands.parse(command) instanceof AdminCommands.Parsed.Run, command);
        }
        for (String command : List.of("ASSIGN KEY 'acme'", "ASSIGN KEY 'acme' OF tenants", "ASSIGN KEYS '/tmp/k'",
                "UNASSIGN KEY 'acme' TO s1", "SHOW KEY", "COPY KEYS TO STDOUT", "COPY KEYS OF tenants")) {
            AdminCommands.Parsed parsed = commands.parse(command);
            assertTrue(parsed instanceof AdminCommands.Parsed.Invalid invalid && invalid.error().sqlState().equals("42601"),
                    command + ": " + parsed);
        }
    }
}
