package dev.pgsteer.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void noArgumentsMeansTheEmbeddedDefault() {
        assertEquals(new CommandLine.Embedded("127.0.0.1:6432", Path.of("data")), CommandLine.parse(List.of()));
    }

    @Test
    void quickModeTakesListenAndBackend() {
        assertEquals(new CommandLine.Quick("127.0.0.1:6433", "postgresql://u:p@h:5432/db"),
                CommandLine.parse(List.of("--listen", "127.0.0.1:6433", "--backend", "postgresql://u:p@h:5432/db")));
        assertEquals(new CommandLine.Quick("127.0.0.1:6432", "postgresql://u:p@h/db"),
                CommandLine.parse(List.of("--backend=postgresql://u:p@h/db")));
    }

    @Test
    void poolSizeSizesQuickModeAndTheEmbeddedDefault() {
        assertEquals(new CommandLine.Quick("127.0.0.1:6433", "postgresql://u:p@h/db", 4),
                CommandLine.parse(List.of("--listen", "127.0.0.1:6433", "--backend", "postgresql://u:p@h/db", "--pool-size", "4")));
        assertEquals(new CommandLine.Embedded("127.0.0.1:6432", Path.of("data"), 2), CommandLine.parse(List.of("--pool-size=2")));
        assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("--pool-size", "zero")));
        assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("--config", "a.yaml", "--pool-size", "3")));
    }

    @Test
    void configAndCheckConfigTakeAFile() {
        assertEquals(new CommandLine.FromFile(Path.of("pgsteer.yaml")), CommandLine.parse(List.of("--config", "pgsteer.yaml")));
        assertEquals(new CommandLine.CheckConfig(Path.of("x.yaml")), CommandLine.parse(List.of("--check-config", "x.yaml")));
    }

    @Test
    void mistakesSayWhatIsWrong() {
        assertEquals("unknown argument \"--lsiten\"",
                assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("--lsiten", "x"))).problem());
        assertEquals("--backend needs a value",
                assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("--backend"))).problem());
        assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("--config", "a.yaml", "--backend", "postgresql://x")));
    }

    @Test
    void helpWinsOverEverything() {
        assertInstanceOf(CommandLine.Help.class, CommandLine.parse(List.of("--listen", "x", "--help")));
    }

    @Test
    void httpMovesOrTurnsOffTheEndpointInQuickModeAndTheEmbeddedDefault() {
        assertEquals(new CommandLine.Embedded("127.0.0.1:6432", Path.of("data"), null, "127.0.0.1:9100"),
                CommandLine.parse(List.of("--http", "127.0.0.1:9100")));
        assertEquals(new CommandLine.Quick("127.0.0.1:6432", "postgresql://u:p@h/db", null, "off"),
                CommandLine.parse(List.of("--backend", "postgresql://u:p@h/db", "--http=OFF")));
        assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("--http", "nowhere")));
        assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("--config", "a.yaml", "--http", "off")));
    }

    @Test
    void tlsFlagsGiveClientsTls() {
        assertEquals(new CommandLine.Quick("127.0.0.1:6432", "postgresql://u:p@h/db", null, null,
                        new CommandLine.Tls(Path.of("s.crt"), Path.of("s.key"), false, true)),
                CommandLine.parse(List.of("--backend", "postgresql://u:p@h/db", "--tls-cert", "s.crt", "--tls-key=s.key",
                        "--tls-required")));
        assertEquals(new CommandLine.Embedded("127.0.0.1:6432", Path.of("data"), null, null,
                        new CommandLine.Tls(null, null, true, false)),
                CommandLine.parse(List.of("--tls-self-signed")));
    }

    @Test
    void tlsFlagsThatCannotWorkAreRefusedWithTheReason() {
        assertEquals(new CommandLine.Invalid("--tls-cert and --tls-key go together: the certificate and its private key, both PEM files"),
                CommandLine.parse(List.of("--tls-cert", "s.crt")));
        assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("--tls-required")));
        assertInstanceOf(CommandLine.Invalid.class,
                CommandLine.parse(List.of("--backend", "postgresql://u:p@h/db", "--tls-self-signed")));
        assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("--tls-self-signed", "--tls-cert", "a", "--tls-key", "b")));
        assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("--config", "a.yaml", "--tls-self-signed")));
    }

    @Test
    void theUsageListsTheTlsFlags() {
        for (String flag : List.of("--tls-cert FILE --tls-key FILE", "--tls-self-signed", "--tls-required")) {
            org.junit.jupiter.api.Assertions.assertTrue(CommandLine.USAGE.contains(flag), flag);
        }
    }

    @Test
    void adminTakesOneConsoleCommandAndTheConsolesUrl() {
        assertEquals(new CommandLine.Admin("SHOW SHARDS", "postgresql://ops:pw@db:6432/pgsteer"),
                CommandLine.parse(List.of("admin", "SHOW SHARDS", "--admin", "postgresql://ops:pw@db:6432/pgsteer")));
        assertEquals(new CommandLine.Admin("ADD SHARD s3 'postgresql://h:5432/demo'", "postgresql://ops:pw@db:6432/pgsteer"),
                CommandLine.parse(List.of("admin", "--admin=postgresql://ops:pw@db:6432/pgsteer", "ADD SHARD s3 'postgresql://h:5432/demo'")));
        if (System.getenv("PGSTEER_ADMIN_URL") == null) {
            assertEquals(new CommandLine.Admin("SHOW MOVES", CommandLine.DEFAULT_ADMIN_URL), CommandLine.parse(List.of("admin", "SHOW MOVES")));
        }
        assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("admin")));
        assertInstanceOf(CommandLine.Invalid.class, CommandLine.parse(List.of("admin", "SHOW", "SHARDS")));
        org.junit.jupiter.api.Assertions.assertTrue(CommandLine.USAGE.contains("pgsteer admin \"COMMAND\" [--admin URL]"));
    }

    @org.junit.jupiter.api.Test
    void migrateTakesAFileTheConfigurationAndOptionallyTenants() {
        org.junit.jupiter.api.Assertions.assertEquals(new CommandLine.Migrate(java.nio.file.Path.of("m.sql"),
                        java.nio.file.Path.of("p.yaml"), java.util.List.of("acme", "globex")),
                CommandLine.parse(java.util.List.of("migrate", "m.sql", "--config", "p.yaml", "--tenants", "acme, globex")));
        org.junit.jupiter.api.Assertions.assertInstanceOf(CommandLine.Invalid.class,
                CommandLine.parse(java.util.List.of("migrate", "m.sql")));
    }
}
