package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.SslMode;
import dev.pgsteer.config.store.ShardMapCatalog;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.runtime.ReloadOutcome;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.ClientTool;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.TestCertificates;
import dev.pgsteer.proxy.testkit.ToolRun;
import dev.pgsteer.proxy.tls.Certificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS on both sides of pgsteer, with real clients and real PostgreSQL servers: psql and pgjdbc ask
 * pgsteer for TLS (require, verify-full against a test CA), pgsteer refuses plain clients when TLS is
 * required, and pgsteer's own connections to a backend use the backend's sslmode (verify-full against
 * a server with ssl on, require against one with ssl off).
 */
class TlsIT {
    static Path dir;
    static TestCertificates ca;
    static EmbeddedBackend plain;
    /** ssl on, certificate from the test CA for localhost and 127.0.0.1; logins of app only over TLS. */
    static EmbeddedBackend secure;
    /** ssl on, certificate from the test CA naming localhost only (not 127.0.0.1). */
    static EmbeddedBackend dnsOnly;
    static final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("pgsteer-tls-it");
        ca = TestCertificates.ca(dir, "ca");
        ca.server("proxy", TestCertificates.LOCAL);
        Path[] backendFiles = ca.server("backend", TestCertificates.LOCAL);
        plain = EmbeddedBackend.start();
        secure = EmbeddedBackend.start(0, Map.of("ssl", "on", "ssl_cert_file", backendFiles[0].toString(),
                "ssl_key_file", backendFiles[1].toString()));
        onlyTls(secure);
        Path[] dnsFiles = ca.server("backend-dns", List.of("localhost"));
        dnsOnly = EmbeddedBackend.start(0, Map.of("ssl", "on", "ssl_cert_file", dnsFiles[0].toString(),
                "ssl_key_file", dnsFiles[1].toString()));
    }

    /** As a {@code hostssl}-only server: the app role cannot log in without TLS, so a login that works used TLS. */
    static void onlyTls(EmbeddedBackend backend) throws Exception {
        try (Connection admin = backend.admin(); Statement statement = admin.createStatement()) {
            Path hba = Path.of(one(admin, "SHOW hba_file"));
            Files.writeString(hba, """
                    local all all trust
                    host all postgres 127.0.0.1/32 trust
                    hostssl all all 127.0.0.1/32 scram-sha-256
                    hostnossl all all 127.0.0.1/32 reject
                    """);
            statement.execute("SELECT pg_reload_conf()");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + backend.port() + "/" + EmbeddedBackend.DATABASE
                        + "?sslmode=disable", EmbeddedBackend.USER, EmbeddedBackend.PASSWORD).close();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the backend still lets app in without TLS");
                }
                Thread.sleep(50);
            } catch (SQLException refused) {
                assertEquals("28000", refused.getSQLState(), refused.toString());
                return;
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        plain.close();
        secure.close();
        dnsOnly.close();
    }

    /** Client TLS optional; the backend's URL names {@code host} instead of 127.0.0.1. */
    static PgSteerServer proxyAt(EmbeddedBackend backend, String host, String backendTls) throws Exception {
        return proxy(backend.url().replace("@127.0.0.1:", "@" + host + ":"), false, backendTls);
    }

    /** A proxy with client TLS from proxy.crt/proxy.key ({@code required} or not) and {@code backendTls} on its backend. */
    static PgSteerServer proxy(EmbeddedBackend backend, boolean required, String backendTls) throws Exception {
        return proxy(backend.url(), required, backendTls);
    }

    static PgSteerServer proxy(String backendUrl, boolean required, String backendTls) throws Exception {
        String yaml = """
                listen: 127.0.0.1:0
                http: off
                tls: { cert: %s, key: %s, required: %s }
                users:
                  app: { password: "%s" }
                backends:
                  main: { url: "%s" %s }
                databases:
                  appdb: { shards: [main], pool: { size: 2 } }
                """.formatted(dir.resolve("proxy.crt"), dir.resolve("proxy.key"), required, EmbeddedBackend.PASSWORD,
                backendUrl, backendTls.isEmpty() ? "" : ", " + backendTls);
        PgSteerServer server = new PgSteerServer(ConfigLoader.parse(yaml, dir.resolve("pgsteer.yaml").toString(), Map.of())).start();
        closing.add(server);
        return server;
    }

    static Connection jdbc(PgSteerServer server, String host, String parameters) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", EmbeddedBackend.USER);
        props.setProperty("password", EmbeddedBackend.PASSWORD);
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + server.address().getPort() + "/"
                + EmbeddedBackend.DATABASE + "?" + parameters, props);
    }

    static String one(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    /** psql to {@code server} at {@code host}, with more connection options (sslmode=...) and one command. */
    static ToolRun psql(PgSteerServer server, String host, String options, String command) {
        ClientTool psql = ClientTool.require("psql");
        String target = "host=%s port=%d user=%s dbname=%s %s".formatted(host, server.address().getPort(), EmbeddedBackend.USER,
                EmbeddedBackend.DATABASE, options);
        return ToolRun.run(List.of(psql.binary().toString(), "-X", "-A", "-t", "-d", target, "-c", command),
                ToolRun.clientEnvironment(Map.of("PGPASSWORD", EmbeddedBackend.PASSWORD)), Duration.ofSeconds(60));
    }

    @Test
    void psqlWithSslmodeRequireGetsTls() throws Exception {
        PgSteerServer server = proxy(plain, false, "");
        ToolRun run = psql(server, "127.0.0.1", "sslmode=require", "SELECT 40 + 2");
        assertEquals(0, run.exitCode(), run.describe());
        assertEquals("42", run.stdout().strip(), run.describe());
        ToolRun info = psql(server, "127.0.0.1", "sslmode=require", "\\conninfo");
        assertTrue(info.stdout().contains("SSL connection"), info.describe());
    }

    @Test
    void psqlWithVerifyFullChecksPgsteersCertificateAgainstTheCa() throws Exception {
        PgSteerServer server = proxy(plain, false, "");
        ToolRun run = psql(server, "localhost", "sslmode=verify-full sslrootcert=" + ca.caCert(), "SELECT 'verified'");
        assertEquals(0, run.exitCode(), run.describe());
        assertEquals("verified", run.stdout().strip(), run.describe());
        // Another CA's root does not vouch for pgsteer's certificate: psql refuses to go on.
        TestCertificates other = TestCertificates.ca(dir, "other");
        ToolRun refused = psql(server, "localhost", "sslmode=verify-full sslrootcert=" + other.caCert(), "SELECT 1");
        assertNotEquals(0, refused.exitCode(), refused.describe());
        assertTrue(refused.stderr().contains("certificate verify failed"), refused.describe());
    }

    @Test
    void pgjdbcWithVerifyFullWorks() throws Exception {
        PgSteerServer server = proxy(plain, true, "");
        try (Connection connection = jdbc(server, "localhost", "ssl=true&sslmode=verify-full&sslrootcert=" + ca.caCert())) {
            assertEquals("ok", one(connection, "SELECT 'ok'"));
        }
    }

    @Test
    void pgjdbcDirectTlsWithoutAnSslRequestWorks() throws Exception {
        // PostgreSQL 17's sslnegotiation=direct: the TLS handshake is the first thing on the wire.
        PgSteerServer server = proxy(plain, true, "");
        try (Connection connection = jdbc(server, "localhost",
                "sslmode=verify-full&sslNegotiation=direct&sslrootcert=" + ca.caCert())) {
            assertEquals("direct", one(connection, "SELECT 'direct'"));
        }
    }

    @Test
    void aPlainClientIsRefusedWhenTlsIsRequired() throws Exception {
        PgSteerServer server = proxy(plain, true, "");
        SQLException e = assertThrows(SQLException.class, () -> jdbc(server, "127.0.0.1", "sslmode=disable"));
        assertEquals("28000", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains("pgsteer requires TLS: connect with sslmode=require"), e.getMessage());
        ToolRun run = psql(server, "127.0.0.1", "sslmode=disable", "SELECT 1");
        assertNotEquals(0, run.exitCode(), run.describe());
        assertTrue(run.stderr().contains("pgsteer requires TLS: connect with sslmode=require"), run.describe());
        // The same proxy serves a client that asks for TLS.
        try (Connection connection = jdbc(server, "127.0.0.1", "sslmode=require")) {
            assertEquals("1", one(connection, "SELECT 1"));
        }
    }

    @Test
    void pgsteersOwnConnectionToABackendUsesVerifyFull() throws Exception {
        PgSteerServer server = proxy(secure, false, "sslmode: verify-full, sslrootcert: " + ca.caCert());
        try (Connection connection = jdbc(server, "127.0.0.1", "sslmode=disable")) {
            // pg_stat_ssl on the backend describes the connection the statement runs on: pgsteer's.
            assertEquals("t", one(connection, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));
        }
    }

    @Test
    void verifyFullChecksTheHostNameAndVerifyCaDoesNot() throws Exception {
        String sql = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
        // The certificate names localhost; pgsteer connects to 127.0.0.1.
        PgSteerServer byAddress = proxy(dnsOnly, false, "sslmode: verify-full, sslrootcert: " + ca.caCert());
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Connection connection = jdbc(byAddress, "127.0.0.1", "sslmode=disable")) {
                one(connection, sql);
            }
        });
        assertEquals("08006", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains("could not connect to backend \"main\": TLS handshake failed (sslmode verify-full)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());

        PgSteerServer caOnly = proxy(dnsOnly, false, "sslmode: verify-ca, sslrootcert: " + ca.caCert());
        try (Connection connection = jdbc(caOnly, "127.0.0.1", "sslmode=disable")) {
            assertEquals("t", one(connection, sql));
        }
        PgSteerServer byName = proxyAt(dnsOnly, "localhost", "sslmode: verify-full, sslrootcert: " + ca.caCert());
        try (Connection connection = jdbc(byName, "127.0.0.1", "sslmode=disable")) {
            assertEquals("t", one(connection, sql));
        }
    }

    @Test
    void aCancelRequestReachesABackendOverTls() throws Exception {
        PgSteerServer server = proxy(secure, false, "sslmode: verify-full, sslrootcert: " + ca.caCert());
        try (Connection connection = jdbc(server, "127.0.0.1", "sslmode=require"); Statement statement = connection.createStatement()) {
            Thread canceller = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(500);
                    statement.cancel();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            SQLException cancelled = assertThrows(SQLException.class, () -> statement.execute("SELECT pg_sleep(30)"));
            canceller.join();
            assertEquals("57014", cancelled.getSQLState(), cancelled.toString());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "cancelled, not timed out");
            assertEquals("t", one(connection, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));
        }
    }

    @Test
    void theControlPlanesJdbcConnectionsUseTheBackendsSslmode() throws Exception {
        BackendConfig backend = new BackendConfig("main", BackendUrl.parse(secure.url()), SslMode.VERIFY_FULL, ca.caCert());
        try (Connection connection = ShardMapCatalog.jdbc(Duration.ofSeconds(10)).open(backend, EmbeddedBackend.DATABASE)) {
            assertEquals("t", one(connection, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));
        }
        BackendConfig plainJdbc = new BackendConfig("main", BackendUrl.parse(secure.url()), SslMode.DISABLE, null);
        SQLException refused = assertThrows(SQLException.class,
                () -> ShardMapCatalog.jdbc(Duration.ofSeconds(10)).open(plainJdbc, EmbeddedBackend.DATABASE).close());
        assertEquals("28000", refused.getSQLState(), "the server takes app's logins over TLS only: " + refused);
    }

    @Test
    void aShardedDatabaseChecksItsShardMapOverTls() throws Exception {
        // The shard map check at start runs over pgjdbc; over plain text this server would refuse it.
        String yaml = """
                listen: 127.0.0.1:0
                http: off
                users:
                  app: { password: "%s" }
                backends:
                  s0: { url: "%s", sslmode: verify-full, sslrootcert: %s }
                databases:
                  appdb: { shards: [s0], tables: { items: { key: id, function: hash } } }
                """.formatted(EmbeddedBackend.PASSWORD, secure.url(), ca.caCert());
        try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + secure.port() + "/"
                + EmbeddedBackend.DATABASE + "?sslmode=require", EmbeddedBackend.USER, EmbeddedBackend.PASSWORD);
             Statement statement = admin.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS items (id bigint PRIMARY KEY, v text)");
        }
        ProxyConfig config = ConfigLoader.parse(yaml, dir.resolve("sharded.yaml").toString(), Map.of());
        assertEquals(List.of(), new ShardMapCatalog().check(config).warnings());
        ProxyConfig plainText = ConfigLoader.parse(yaml.replace("sslmode: verify-full, sslrootcert: " + ca.caCert(), "sslmode: disable"),
                dir.resolve("sharded.yaml").toString(), Map.of());
        List<String> warnings = new ShardMapCatalog().check(plainText).warnings();
        assertTrue(warnings.toString().contains("cannot check the shard map of database appdb on shard s0"), warnings.toString());
        PgSteerServer server = new PgSteerServer(config).decisionLog(dir.resolve("decisions.log")).start();
        closing.add(server);
        try (Connection connection = jdbc(server, "127.0.0.1", "sslmode=disable");
             Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO items (id, v) VALUES (7, 'seven')");
            assertEquals("seven", one(connection, "SELECT v FROM items WHERE id = 7"));
        }
    }

    @Test
    void quickModeTakesSslmodeAndSslrootcertFromTheBackendUrl() throws Exception {
        ProxyConfig quick = ProxyConfig.quick(dev.pgsteer.config.ListenAddress.parse("127.0.0.1:0"),
                BackendUrl.parse(secure.url() + "?sslmode=verify-full&sslrootcert=" + ca.caCert()));
        PgSteerServer server = new PgSteerServer(quick.withHttp(null)).start();
        closing.add(server);
        try (Connection connection = jdbc(server, "127.0.0.1", "sslmode=disable")) {
            assertEquals("t", one(connection, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));
        }
    }

    @Test
    void aBackendWithoutTlsUnderSslmodeRequireFailsNamingTheBackend() throws Exception {
        PgSteerServer server = proxy(plain, false, "sslmode: require");
        // pgsteer reaches the backend during the client's login (its parameters go to the client), so that is where it fails.
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Connection connection = jdbc(server, "127.0.0.1", "sslmode=disable")) {
                one(connection, "SELECT 1");
            }
        });
        assertEquals("08006", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains("could not connect to backend \"main\": the server does not accept TLS "
                + "(it answered 'N' to pgsteer's SSLRequest), and sslmode is require"), e.getMessage());
    }

    @Test
    void aBackendCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        TestCertificates other = TestCertificates.ca(dir, "stranger");
        PgSteerServer server = proxy(secure, false, "sslmode: verify-ca, sslrootcert: " + other.caCert());
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Connection connection = jdbc(server, "127.0.0.1", "sslmode=disable")) {
                one(connection, "SELECT 1");
            }
        });
        assertEquals("08006", e.getSQLState(), e.toString());
        assertTrue(e.getMessage().contains("could not connect to backend \"main\": TLS handshake failed"), e.getMessage());
    }

    @Test
    void reloadRotatesTheCertificateForNewClients() throws Exception {
        Path rotating = Files.createDirectories(dir.resolve("rotating"));
        TestCertificates first = TestCertificates.ca(rotating, "first");
        TestCertificates second = TestCertificates.ca(rotating, "second");
        Path[] files = first.server("proxy", TestCertificates.LOCAL);
        Path yaml = rotating.resolve("pgsteer.yaml");
        Files.writeString(yaml, """
                listen: 127.0.0.1:0
                http: off
                tls: { cert: proxy.crt, key: proxy.key }
                users:
                  app: { password: "%s" }
                backends:
                  main: { url: "%s" }
                databases:
                  appdb: { shards: [main], pool: { size: 2 } }
                """.formatted(EmbeddedBackend.PASSWORD, plain.url()));
        PgSteerServer server = new PgSteerServer(ConfigLoader.load(yaml)).configFile(yaml).start();
        closing.add(server);
        try (Connection connection = jdbc(server, "localhost", "sslmode=verify-full&sslrootcert=" + first.caCert())) {
            assertEquals("1", one(connection, "SELECT 1"));
        }
        // The files are replaced in place, as a certificate manager does, then RELOAD.
        assertEquals(files[0], second.server("proxy", TestCertificates.LOCAL)[0]);
        assertTrue(server.reload().get() instanceof dev.pgsteer.proxy.runtime.ReloadOutcome.Applied, "reloaded");
        try (Connection connection = jdbc(server, "localhost", "sslmode=verify-full&sslrootcert=" + second.caCert())) {
            assertEquals("2", one(connection, "SELECT 2"));
        }
        assertThrows(SQLException.class, () -> jdbc(server, "localhost", "sslmode=verify-full&sslrootcert=" + first.caCert()).close());

        // A key that does not fit fails the reload; the certificate in force stays.
        Files.copy(first.server("other", TestCertificates.LOCAL)[1], files[1], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        var outcome = server.reload().get();
        assertTrue(outcome instanceof dev.pgsteer.proxy.runtime.ReloadOutcome.Failed failed
                && failed.reason().contains("does not belong to the certificate"), outcome.toString());
        try (Connection connection = jdbc(server, "localhost", "sslmode=verify-full&sslrootcert=" + second.caCert())) {
            assertEquals("3", one(connection, "SELECT 3"));
        }
    }

    @Test
    void theSelfSignedCertificateOfTheEmbeddedDefaultServesAndVerifies() throws Exception {
        Path data = Files.createTempDirectory("pgsteer-tls-selfsigned");
        Path[] files = Certificates.selfSignedIn(data);
        String first = Files.readString(files[0]);
        assertEquals(first, Files.readString(Certificates.selfSignedIn(data)[0]), "a second start reuses the certificate");
        ProxyConfig config = plain.proxyConfig("size: 2").withTls(new dev.pgsteer.config.TlsConfig(files[0], files[1], false));
        PgSteerServer server = new PgSteerServer(config.withHttp(null)).start();
        closing.add(server);
        try (Connection connection = jdbc(server, "localhost", "sslmode=verify-full&sslrootcert=" + files[0])) {
            assertEquals("1", one(connection, "SELECT 1"));
        }
    }
}
