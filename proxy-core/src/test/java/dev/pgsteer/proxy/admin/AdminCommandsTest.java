package dev.pgsteer.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

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
                + "SHOW TENANTS, SHOW METADATA, PAUSE, RESUME, RELOAD, CREATE TENANT, ALTER TENANT, DROP TENANT, MIGRATE, "
                + "SHOW HELP (or HELP)", commands.names());
    }
}
