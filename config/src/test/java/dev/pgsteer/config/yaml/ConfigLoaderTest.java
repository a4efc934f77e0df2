package dev.pgsteer.config.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.AuthMethod;
import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ListenAddress;
import dev.pgsteer.config.LoggingConfig;
import dev.pgsteer.config.PasswordKind;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.PoolMode;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.UserConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a valid file turns into. The errors are specified in {@link ConfigErrorsTest}. */
class ConfigLoaderTest {

    /** The file from the README's first page, byte for byte: a contract with users. */
    static final String README_EXAMPLE = """
            listen: 127.0.0.1:6432
            users:
              demo: { password: demo }              # also ${ENV} references and SCRAM verifiers
            backends:
              main: { url: "postgresql://demo:demo@127.0.0.1:5432/demo" }
            databases:
              demo: { shards: [main], pool: { mode: transaction, size: 10 } }
            """;

    static ProxyConfig parse(String yaml, Map<String, String> env) {
        return ConfigLoader.parse(yaml, "pgsteer.yaml", env);
    }

    @Test
    void theReadmeExampleLoads() {
        ProxyConfig config = parse(README_EXAMPLE, Map.of());

        assertEquals("pgsteer.yaml", config.source());
        assertEquals(new ListenAddress("127.0.0.1", 6432), config.listen());
        assertEquals(AuthMethod.SCRAM_SHA_256, config.auth());
        assertEquals(Duration.ofSeconds(10), config.authTimeout());
        assertEquals(1000, config.maxClientConnections());
        assertEquals(Map.of("demo", new UserConfig("demo", "demo")), config.users());
        assertEquals(new BackendConfig("main", new BackendUrl("127.0.0.1", 5432, "demo", "demo", "demo")),
                config.backends().get("main"));
        DatabaseConfig demo = config.databases().get("demo");
        assertEquals(List.of("main"), demo.shards());
        assertNull(demo.backendDatabase());
        assertEquals(PoolMode.TRANSACTION, demo.pool().mode());
        assertEquals(10, demo.pool().size());
        assertEquals(PoolConfig.defaults().acquireTimeout(), demo.pool().acquireTimeout());
        assertEquals("demo", config.backendDatabaseName(demo, "demo"));
    }

    @Test
    void everyKeyCanBeSet() {
        ProxyConfig config = parse("""
                listen: "[::1]:7000"
                auth: md5
                auth_timeout: 1500ms
                max_client_connections: 50
                max_prepared_statements: 64
                users:
                  alice: { password: "md5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }
                backends:
                  primary:
                    url: postgres://ignored:ignored@db.internal/appdb
                    user: app
                    password: s3cret
                databases:
                  app:
                    shards: [primary]
                    backend_database: app_production
                    pool: { mode: session, size: 5, min_idle: 2, acquire_timeout: 2s, idle_timeout: 1m, max_lifetime: 2h }
                """, Map.of());

        assertEquals(new ListenAddress("::1", 7000), config.listen());
        assertEquals(AuthMethod.MD5, config.auth());
        assertEquals(Duration.ofMillis(1500), config.authTimeout());
        assertEquals(50, config.maxClientConnections());
        assertEquals(64, config.maxPreparedStatements());
        assertEquals(PasswordKind.MD5_HASH, config.users().get("alice").passwordKind());
        assertEquals(new BackendUrl("db.internal", 5432, "app", "s3cret", "appdb"),
                config.backends().get("primary").url());
        DatabaseConfig app = config.databases().get("app");
        assertEquals("app_production", config.backendDatabaseName(app, "app"));
        assertEquals(new PoolConfig(PoolMode.SESSION, 5, 2, Duration.ofSeconds(2), Duration.ofMinutes(1),
                Duration.ofHours(2)), app.pool());
    }

    @Test
    void onlyBackendsAndDatabasesAreRequired() {
        ProxyConfig config = parse("""
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases: { app: { shards: [main] } }
                """, Map.of());

        assertEquals(ListenAddress.DEFAULT, config.listen());
        assertEquals(Map.of(), config.users());
        assertEquals(PoolConfig.defaults(), config.databases().get("app").pool());
        assertNull(config.backends().get("main").url().password(), "a backend may use trust authentication");
    }

    @Test
    void environmentVariablesFillAnyScalar() {
        ProxyConfig config = parse("""
                listen: ":${PORT:-6432}"
                users:
                  demo: { password: "${DEMO_PASSWORD}" }
                backends:
                  main: { url: "postgresql://app:${DB_PASSWORD}@${DB_HOST:-localhost}:5432/app" }
                databases:
                  app: { shards: [main], pool: { size: "${POOL_SIZE}" } }
                """, Map.of("DEMO_PASSWORD", "pw", "DB_PASSWORD", "p@ss", "POOL_SIZE", "7"));

        assertEquals(new ListenAddress("0.0.0.0", 6432), config.listen());
        assertEquals("pw", config.users().get("demo").password());
        assertEquals("p@ss", config.backends().get("main").url().password());
        assertEquals("localhost", config.backends().get("main").url().host());
        assertEquals(7, config.databases().get("app").pool().size());
    }

    @Test
    void aScramVerifierIsKeptAsWritten() {
        String verifier = "SCRAM-SHA-256$4096:c2FsdHNhbHQ=$c3RvcmVka2V5c3RvcmVka2V5c3RvcmVka2V5c3RvcmU="
                + ":c2VydmVya2V5c2VydmVya2V5c2VydmVya2V5c2Vydg==";
        ProxyConfig config = parse("""
                users: { demo: { password: "%s" } }
                backends: { main: { url: "postgresql://demo:demo@localhost/demo" } }
                databases: { demo: { shards: [main] } }
                """.formatted(verifier), Map.of());

        assertEquals(verifier, config.users().get("demo").password());
        assertEquals(PasswordKind.SCRAM_VERIFIER, config.users().get("demo").passwordKind());
    }

    @Test
    void aUserMayBeAnAdminAndIsNotByDefault() {
        ProxyConfig config = parse("""
                users:
                  ops: { password: ops, admin: true }
                  app: { password: app }
                  old: { password: old, admin: no }
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases: { app: { shards: [main] } }
                """, Map.of());

        assertEquals(new UserConfig("ops", "ops", true), config.users().get("ops"));
        assertEquals(new UserConfig("app", "app", false), config.users().get("app"));
        assertEquals(false, config.users().get("old").admin());
    }

    @Test
    void underTrustAUserNeedsNoPassword() {
        ProxyConfig config = parse("""
                auth: trust
                users: { alice: {}, bob: }
                backends: { main: { url: "postgresql://app@localhost/app" } }
                databases: { app: { shards: [main] } }
                """, Map.of());

        assertNull(config.users().get("alice").password());
        assertNull(config.users().get("bob").password());
    }

    @Test
    void theQuotedStarIsThePassthroughEntry() {
        ProxyConfig config = parse("""
                backends: { main: { url: "postgresql://app:pw@localhost/ignored" } }
                databases:
                  reports: { shards: [main], backend_database: reporting }
                  "*": { shards: [main] }
                """, Map.of());

        DatabaseConfig any = config.database("sales").orElseThrow();
        assertTrue(any.isPassthrough());
        assertEquals("sales", config.backendDatabaseName(any, "sales"),
                "a passthrough client reaches the database of the name it asked for");
        assertEquals("reporting", config.backendDatabaseName(config.database("reports").orElseThrow(), "reports"));
    }

    @Test
    void yamlAnchorsAndMergeKeysShareSettings() {
        ProxyConfig config = parse("""
                backends: { main: { url: "postgresql://app:pw@localhost/app" } }
                databases:
                  a: { shards: [main], pool: &shared { mode: session, size: 3 } }
                  b: { shards: [main], pool: { <<: *shared, size: 4 } }
                """, Map.of());

        assertEquals(new PoolConfig(PoolMode.SESSION, 3, 0, Duration.ofSeconds(5), Duration.ofMinutes(10),
                Duration.ofHours(1)), config.databases().get("a").pool());
        assertEquals(PoolMode.SESSION, config.databases().get("b").pool().mode());
        assertEquals(4, config.databases().get("b").pool().size(), "the mapping's own key wins over the merged one");
    }

    @Test
    void mapsKeepTheOrderOfTheFile() {
        ProxyConfig config = parse("""
                backends: { z: { url: "postgresql://u:p@h1/d" }, a: { url: "postgresql://u:p@h2/d" } }
                databases: { zz: { shards: [z] }, aa: { shards: [a] } }
                """, Map.of());

        assertEquals(List.of("z", "a"), List.copyOf(config.backends().keySet()));
        assertEquals(List.of("zz", "aa"), List.copyOf(config.databases().keySet()));
    }

    @Test
    void loadReadsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pgsteer.yaml");
        Files.writeString(file, README_EXAMPLE);
        assertEquals(file.toString(), ConfigLoader.load(file).source());

        Path missing = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));
        assertEquals(missing.toString(), e.file());
        assertTrue(e.getMessage().startsWith(missing + ": cannot read the configuration file"), e.getMessage());
    }

    @Test
    void theHttpEndpointDefaultsTo9930AndCanMoveOrBeTurnedOff() {
        assertEquals(new ListenAddress("127.0.0.1", 9930), parse(README_EXAMPLE, Map.of()).http());
        String rest = README_EXAMPLE.substring(README_EXAMPLE.indexOf('\n') + 1);
        assertEquals(new ListenAddress("0.0.0.0", 9100), parse("http: :9100\n" + README_EXAMPLE, Map.of()).http());
        assertNull(parse("http: off\n" + README_EXAMPLE, Map.of()).http());
        assertNull(parse("http: \"off\"\n" + README_EXAMPLE, Map.of()).http());
        assertNull(parse("http: false\n" + README_EXAMPLE, Map.of()).http());
        // A proxy on any free port takes any free port for HTTP too: tests and side-by-side instances.
        assertEquals(new ListenAddress("127.0.0.1", 0), parse("listen: 127.0.0.1:0\n" + rest, Map.of()).http());
        assertEquals(new ListenAddress("127.0.0.1", 9930), parse("listen: 127.0.0.1:0\nhttp: 127.0.0.1:9930\n" + rest, Map.of()).http());
    }

    @Test
    void loggingDefaultsToTheEnvironmentAndSlowStatementsOverOneSecond() {
        LoggingConfig logging = parse(README_EXAMPLE, Map.of()).logging();
        assertNull(logging.format());
        assertNull(logging.level());
        assertEquals(Duration.ofSeconds(1), logging.slowStatement());
    }

    @Test
    void loggingSetsFormatLevelAndSlowStatementThresholdOrTurnsItOff() {
        LoggingConfig logging = parse("logging: { format: json, level: DEBUG, slow_statement: 250ms }\n" + README_EXAMPLE, Map.of())
                .logging();
        assertEquals(new LoggingConfig(LoggingConfig.Format.JSON, "debug", Duration.ofMillis(250)), logging);
        assertNull(parse("logging: { slow_statement: off }\n" + README_EXAMPLE, Map.of()).logging().slowStatement());
        assertEquals(LoggingConfig.Format.TEXT,
                parse("logging: { format: \"${FMT}\" }\n" + README_EXAMPLE, Map.of("FMT", "text")).logging().format());
    }
}
