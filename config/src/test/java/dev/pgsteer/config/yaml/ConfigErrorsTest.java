package dev.pgsteer.config.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ConfigProblem;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every problem names the file, the line and the fix: {@code <file>:<line>: <what>. Fix: <what to do>}.
 * Line numbers in these tests count from 1, as editors do.
 */
class ConfigErrorsTest {

    private static final String VALID_REST = """
            backends: { main: { url: "postgresql://app:pw@localhost/app" } }
            databases: { app: { shards: [main] } }
            """;

    static ConfigException failure(String yaml) {
        return failure(yaml, Map.of());
    }

    static ConfigException failure(String yaml, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "pgsteer.yaml", env));
    }

    /** The single problem of a failure, asserting there is exactly one. */
    static ConfigProblem onlyProblem(ConfigException e) {
        assertEquals(1, e.problems().size(), e.getMessage());
        return e.problems().get(0);
    }

    static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), () -> "expected to find <" + expected + "> in <" + actual + ">");
    }

    @Test
    void theMessageHasFileLineWhatAndFix() {
        ConfigException e = failure("listen: nowhere\n" + VALID_REST);

        assertEquals("pgsteer.yaml", e.file());
        assertEquals(1, e.line());
        assertEquals("pgsteer.yaml:1: listen: 'nowhere' has no port. Fix: write HOST:PORT, like 127.0.0.1:6432, "
                + "[::1]:6432, or :6432 for every address", e.getMessage());
    }

    @Test
    void aYamlSyntaxErrorNamesItsLine() {
        ConfigException e = failure("""
                listen: 127.0.0.1:6432
                backends:
                  main: { url: "postgresql://app@localhost/app"
                databases: { app: { shards: [main] } }
                """);

        ConfigProblem p = onlyProblem(e);
        assertEquals(4, p.line());
        assertContains("this is not valid YAML", p.what());
    }

    @Test
    void anUnquotedStarGetsItsOwnHint() {
        ConfigException e = failure("""
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases:
                  *: { shards: [main] }
                """);

        assertEquals(3, e.line());
        assertContains("quote the passthrough database name: \"*\"", e.fix());
    }

    @Test
    void anUnknownKeySuggestsTheClosestOne() {
        ConfigException e = failure("""
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databses: { app: { shards: [main] } }
                """);

        ConfigProblem unknown = e.problems().stream().filter(p -> p.what().contains("databses")).findFirst()
                .orElseThrow();
        assertEquals(2, unknown.line());
        assertEquals("unknown key 'databses' at the top level", unknown.what());
        assertContains("did you mean 'databases'?", unknown.fix());
    }

    @Test
    void anUnknownKeyFarFromAnyListsTheValidOnes() {
        ConfigProblem p = onlyProblem(failure("colour: blue\n" + VALID_REST));

        assertEquals("remove it; valid keys at the top level are " + String.join(", ", ConfigBinder.TOP_KEYS), p.fix());
        assertContains("listen, http, auth, auth_timeout, max_client_connections, max_prepared_statements, users, backends, "
                + "databases", p.fix());
    }

    @Test
    void aPoolSettingOneLevelTooHighIsPointedUnderPool() {
        ConfigProblem p = onlyProblem(failure("""
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases:
                  app:
                    shards: [main]
                    size: 10
                """));

        assertEquals(5, p.line());
        assertEquals("'size' does not belong in databases.app", p.what());
        assertContains("move it under pool:", p.fix());
    }

    @Test
    void backendsAndDatabasesAreRequiredButListenIsNot() {
        ConfigException e = failure("listen: 127.0.0.1:6432\n");

        assertEquals(List.of("backends is missing", "databases is missing"),
                e.problems().stream().map(ConfigProblem::what).toList());
        assertEquals(1, e.line());
    }

    @Test
    void anEmptyFileSaysWhatItNeeds() {
        ConfigException e = failure("# nothing yet\n");

        assertEquals("pgsteer.yaml: the configuration is empty. Fix: describe at least backends: and databases:",
                e.getMessage());
    }

    @Test
    void aBadUrlIsExplainedWithoutRepeatingItsPassword() {
        ConfigException e = failure("""
                backends:
                  main: { url: "postgresql://app:hunter2@localhost:54x2/app" }
                  other: { url: "mysql://app:hunter2@localhost/app" }
                databases: { app: { shards: [main] } }
                """);

        assertEquals(2, e.problems().size(), e.getMessage());
        assertEquals("backends.main.url: the port '54x2' is not a number", e.problems().get(0).what());
        assertEquals(2, e.problems().get(0).line());
        assertEquals("backends.other.url: the scheme 'mysql' is not postgresql:// or postgres://",
                e.problems().get(1).what());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void aBackendNeedsAUserFromItsUrlOrItsOwnKey() {
        ConfigProblem p = onlyProblem(failure("""
                backends:
                  main: { url: "postgresql://localhost/app" }
                databases: { app: { shards: [main] } }
                """));

        assertEquals(2, p.line());
        assertEquals("backend 'main' has no user to log in as", p.what());
    }

    @Test
    void aShardNamingAnUnknownBackendListsTheKnownOnes() {
        ConfigProblem p = onlyProblem(failure("""
                backends:
                  main: { url: "postgresql://app@localhost/app" }
                  replica: { url: "postgresql://app@replica/app" }
                databases:
                  app: { shards: [mian] }
                """));

        assertEquals(5, p.line());
        assertEquals("databases.app.shards names backend 'mian', which is not defined", p.what());
        assertEquals("did you mean 'main'? use a backend from the backends section (defined: main, replica)", p.fix());
    }

    @Test
    void aBackendListedTwiceAsAShardIsAnError() {
        ConfigProblem p = onlyProblem(failure("""
                backends:
                  a: { url: "postgresql://app@a/app" }
                  b: { url: "postgresql://app@b/app" }
                databases:
                  app:
                    shards: [a, b,
                      a]
                """));

        assertEquals(7, p.line());
        assertEquals("databases.app.shards lists backend 'a' twice", p.what());
        assertEquals("list each backend once: a shard is one backend", p.fix());
    }

    @Test
    void aBadPoolModeListsTheValidOnes() {
        ConfigProblem p = onlyProblem(failure("""
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases:
                  app:
                    shards: [main]
                    pool: { mode: statement }
                """));

        assertEquals(5, p.line());
        assertEquals("databases.app.pool.mode: 'statement' is not a pool mode; valid modes are transaction, session",
                p.what());
        assertEquals("use one of transaction, session", p.fix());
    }

    @Test
    void aPoolSizeMustBePositive() {
        ConfigException e = failure("""
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases:
                  a: { shards: [main], pool: { size: 0 } }
                  b: { shards: [main], pool: { size: -3 } }
                  c: { shards: [main], pool: { size: ten } }
                """);

        assertEquals(List.of(
                "databases.a.pool.size: 0 is too small; it must be at least 1",
                "databases.b.pool.size: -3 is too small; it must be at least 1",
                "databases.c.pool.size: 'ten' is not a whole number"),
                e.problems().stream().map(ConfigProblem::what).toList());
        assertEquals(List.of(3, 4, 5), e.problems().stream().map(ConfigProblem::line).toList());
    }

    @Test
    void minIdleCannotExceedSize() {
        ConfigProblem p = onlyProblem(failure("""
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases: { app: { shards: [main], pool: { size: 2, min_idle: 5 } } }
                """));

        assertEquals("databases.app.pool.min_idle (5) is larger than size (2)", p.what());
    }

    @Test
    void aBadDurationShowsTheAcceptedForms() {
        ConfigException e = failure("""
                auth_timeout: 5 minutes
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases: { app: { shards: [main], pool: { idle_timeout: 0 } } }
                """);

        assertEquals(List.of("auth_timeout: '5 minutes' is not a duration",
                        "databases.app.pool.idle_timeout: '0' is zero; it must be longer than that"),
                e.problems().stream().map(ConfigProblem::what).toList());
        assertEquals("write a positive duration like 500ms, 5s, 10m or 1h (a bare number means seconds)", e.fix());
    }

    @Test
    void anUnsetEnvironmentVariableIsNamedWithFileAndLine() {
        ConfigException e = failure("""
                users:
                  demo: { password: "${DEMO_PASSWORD}" }
                """ + VALID_REST);

        assertEquals("pgsteer.yaml:2: users.demo.password refers to ${DEMO_PASSWORD}, but the environment "
                + "variable DEMO_PASSWORD is not set. Fix: set DEMO_PASSWORD in pgsteer's environment, or give a "
                + "default: ${DEMO_PASSWORD:-value}", e.getMessage());
    }

    @Test
    void aUserWithoutPasswordNeedsTrust() {
        ConfigProblem p = onlyProblem(failure("""
                users:
                  alice: {}
                """ + VALID_REST));

        assertEquals(2, p.line());
        assertEquals("user 'alice' has no password, but auth is scram-sha-256", p.what());
        assertContains("or set auth: trust", p.fix());
    }

    @Test
    void adminIsTrueOrFalse() {
        ConfigProblem p = onlyProblem(failure("""
                users:
                  ops: { password: x, admin: maybe }
                """ + VALID_REST));

        assertEquals(2, p.line());
        assertEquals("users.ops.admin: 'maybe' is not true or false", p.what());
        assertEquals("write true or false", p.fix());
    }

    @Test
    void theDatabaseNamePgsteerIsReservedForTheAdminConsole() {
        ConfigException e = failure("""
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases:
                  app: { shards: [main] }
                  pgsteer: { shards: [main] }
                """);

        ConfigProblem p = onlyProblem(e);
        assertEquals(4, p.line());
        assertEquals("the database name 'pgsteer' is reserved: clients that connect to it get pgsteer's admin console",
                p.what());
        assertContains("give this database another name", p.fix());
        assertContains("backend_database: pgsteer", p.fix());
    }

    @Test
    void aStoredHashMustSuitTheAuthMethod() {
        ConfigException e = failure("""
                auth: scram-sha-256
                users:
                  old: { password: md5ffffffffffffffffffffffffffffffff }
                  cut: { password: "SCRAM-SHA-256$4096:c2FsdA==" }
                """ + VALID_REST);

        assertEquals(List.of(
                "users.old.password is an md5 hash, which cannot check logins when auth is scram-sha-256",
                "users.cut.password starts like a SCRAM verifier but is not a whole one"),
                e.problems().stream().map(ConfigProblem::what).toList());
        assertFalse(e.getMessage().contains("ffffffff"), "a password hash is a secret too");
    }

    @Test
    void aKeyGivenTwiceIsAnError() {
        ConfigProblem p = onlyProblem(failure("""
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases: { app: { shards: [main] } }
                backends: { other: { url: "postgresql://app@localhost/app" } }
                """));

        assertEquals(3, p.line());
        assertEquals("keep one of them (the other is on line 1)", p.fix());
    }

    @Test
    void thePassthroughEntryTakesNoBackendDatabase() {
        ConfigProblem p = onlyProblem(failure("""
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases:
                  "*": { shards: [main], backend_database: app }
                """));

        assertEquals(3, p.line());
        assertContains("backend_database cannot be set on the passthrough entry", p.what());
    }

    @Test
    void allProblemsAreReportedTogetherInFileOrder() {
        ConfigException e = failure("""
                listen: localhost
                auth: password
                backends:
                  main: { url: "postgresql://app@localhost/app" }
                databases:
                  app: { shards: [nope], pool: { mode: sometimes } }
                """);

        assertEquals(List.of(1, 2, 6, 6), e.problems().stream().map(ConfigProblem::line).toList());
        String[] lines = e.getMessage().split("\n");
        assertEquals(4, lines.length);
        assertTrue(lines[0].startsWith("pgsteer.yaml:1: listen: "), lines[0]);
        assertTrue(lines[1].startsWith("pgsteer.yaml:2: auth: 'password' is not an auth method; valid ones are "
                + "scram-sha-256, md5, trust. Fix: "), lines[1]);
    }

    @Test
    void aBadHttpAddressNamesItsLineAndTheFix() {
        ConfigProblem problem = onlyProblem(failure("http: metrics\n" + VALID_REST));

        assertEquals(1, problem.line());
        assertContains("http: 'metrics' has no port", problem.what());
        assertContains("http: off", problem.fix());
        assertContains("http is empty", onlyProblem(failure("http:\n" + VALID_REST)).what());
    }

    @Test
    void aBadLoggingSectionNamesEachLineAndItsFix() {
        ConfigException e = failure("""
                logging:
                  format: xml
                  level: loud
                  slow_statement: soon
                  colour: true
                """ + VALID_REST);
        assertEquals(4, e.problems().size(), e.getMessage());
        assertContains("pgsteer.yaml:2: logging.format: 'xml' is not a log format; valid ones are text, json. Fix: use text or json",
                e.getMessage());
        assertContains("pgsteer.yaml:3: logging.level: 'loud' is not a log level. Fix: use one of trace, debug, info, warn, error",
                e.getMessage());
        assertContains("pgsteer.yaml:4: logging.slow_statement", e.getMessage());
        assertContains("pgsteer.yaml:5: ", e.getMessage());
        assertContains("valid keys in logging are format, level, slow_statement", e.getMessage());
    }
}
