package dev.pgsteer.config.yaml;

import static dev.pgsteer.config.yaml.ConfigErrorsTest.assertContains;
import static dev.pgsteer.config.yaml.ConfigErrorsTest.onlyProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.ConfigProblem;
import dev.pgsteer.config.ListenAddress;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.SslMode;
import dev.pgsteer.config.TlsConfig;
import dev.pgsteer.config.store.BackendJdbc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tls:} for clients and {@code sslmode}/{@code sslrootcert} per backend: values, defaults, mistakes. */
class TlsConfigTest {
    private static final String BACKEND_URL = "postgresql://app:pw@db.example.com/app";

    @TempDir
    Path dir;

    @BeforeEach
    void files() throws Exception {
        try (InputStream cert = getClass().getResourceAsStream("/tls/localhost.crt")) {
            Files.write(dir.resolve("server.crt"), cert.readAllBytes());
        }
        Files.copy(dir.resolve("server.crt"), dir.resolve("ca.crt"));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        Files.writeString(dir.resolve("server.key"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    /** Loaded as the file {@code dir/pgsteer.yaml}, so relative names start in {@code dir}. */
    private ProxyConfig load(String yaml) throws IOException {
        Path file = dir.resolve("pgsteer.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, Map.of());
    }

    private ConfigException failure(String yaml) {
        return assertThrows(ConfigException.class, () -> load(yaml));
    }

    private static String backend(String tls) {
        return """
                backends:
                  main: { url: "%s"%s }
                databases: { app: { shards: [main] } }
                """.formatted(BACKEND_URL, tls.isEmpty() ? "" : ", " + tls);
    }

    @Test
    void withoutTlsKeysClientsGetNoTlsAndBackendsPreferIt() throws Exception {
        ProxyConfig config = load(backend(""));
        assertNull(config.tls());
        BackendConfig main = config.backends().get("main");
        assertEquals(SslMode.PREFER, main.sslMode());
        assertNull(main.sslRootCert());
    }

    @Test
    void tlsFilesAreRelativeToTheConfigurationFile() throws Exception {
        ProxyConfig config = load("tls: { cert: server.crt, key: server.key, required: true }\n" + backend(""));
        assertEquals(new TlsConfig(dir.resolve("server.crt"), dir.resolve("server.key"), true), config.tls());
        assertFalse(load("tls: { cert: server.crt, key: server.key }\n" + backend("")).tls().required());
    }

    @Test
    void everySslmodeOfLibpqIsAccepted() throws Exception {
        for (SslMode mode : SslMode.values()) {
            String tls = "sslmode: " + mode.configName() + (mode.verifiesCertificate() ? ", sslrootcert: ca.crt" : "");
            BackendConfig main = load(backend(tls)).backends().get("main");
            assertEquals(mode, main.sslMode());
            assertEquals(mode.verifiesCertificate() ? dir.resolve("ca.crt") : null, main.sslRootCert());
        }
    }

    @Test
    void jdbcGetsTheSameSslmodeAndRootCertificate() throws Exception {
        BackendConfig main = load(backend("sslmode: verify-full, sslrootcert: ca.crt")).backends().get("main");
        Properties props = main.jdbcSslProperties(new Properties());
        assertEquals("verify-full", props.getProperty("sslmode"));
        assertEquals(dir.resolve("ca.crt").toString(), props.getProperty("sslrootcert"));
        Properties plain = load(backend("sslmode: disable")).backends().get("main").jdbcSslProperties(new Properties());
        assertEquals(Map.of("sslmode", "disable"), plain);
    }

    @Test
    void anUnknownSslmodeListsTheValidOnes() {
        ConfigProblem p = onlyProblem(failure(backend("sslmode: verify")));
        assertEquals(2, p.line());
        assertContains("'verify' is not an sslmode; valid ones are disable, prefer, require, verify-ca, verify-full", p.what());
    }

    @Test
    void verifyingWithoutARootCertificateSaysWhatToAdd() {
        ConfigProblem p = onlyProblem(failure(backend("sslmode: verify-full")));
        assertEquals(2, p.line());
        assertContains("backends.main.sslmode is verify-full, which checks the server's certificate against a CA, "
                + "but there is no sslrootcert", p.what());
        assertContains("add sslrootcert: FILE", p.fix());
    }

    @Test
    void aRootCertificateThatWouldNotBeUsedIsAMistake() {
        ConfigProblem p = onlyProblem(failure(backend("sslmode: require, sslrootcert: ca.crt")));
        assertContains("backends.main.sslrootcert is only used by sslmode verify-ca and verify-full", p.what());
        assertContains("set sslmode: verify-full", p.fix());
    }

    @Test
    void aMissingFileIsReportedWithItsLine() {
        ConfigException e = failure("""
                tls:
                  cert: nope.crt
                  key: server.key
                """ + backend(""));
        ConfigProblem p = onlyProblem(e);
        assertEquals(2, p.line());
        assertContains("tls.cert: cannot read " + dir.resolve("nope.crt"), p.what());
        assertContains("a relative one starts at the configuration file's folder", p.fix());
        assertTrue(e.getMessage().startsWith(dir.resolve("pgsteer.yaml") + ":2: "), e.getMessage());
    }

    @Test
    void filesMustHoldWhatTheirKeySays() throws Exception {
        ConfigException e = failure("tls: { cert: server.key, key: server.crt }\n" + backend("sslmode: verify-ca, sslrootcert: server.key"));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertContains("is not a PEM certificate file", e.problems().get(0).what());
        assertContains("is not a PEM private key", e.problems().get(1).what());
        assertContains("backends.main.sslrootcert: " + dir.resolve("server.key") + " is not a PEM certificate file",
                e.problems().get(2).what());
    }

    @Test
    void anEncryptedKeyIsRefusedWithHowToDecryptIt() throws Exception {
        Files.writeString(dir.resolve("locked.key"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIHsMFcGCSqGSIb3DQEFDTBK\n"
                + "-----END ENCRYPTED PRIVATE KEY-----\n");
        ConfigProblem p = onlyProblem(failure("tls: { cert: server.crt, key: locked.key }\n" + backend("")));
        assertContains("is an encrypted private key", p.what());
        assertContains("openssl pkey -in locked.key -out plain.key", p.fix());
    }

    @Test
    void tlsNeedsBothFilesAndKnowsItsKeys() {
        ConfigException e = failure("tls: { cert: server.crt, requried: true }\n" + backend(""));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertContains("unknown key 'requried' in tls", e.getMessage());
        assertContains("did you mean 'required'?", e.getMessage());
        assertContains("tls has no key", e.getMessage());
    }

    @Test
    void aBackendKeyAtTheTopLevelOrATypoIsCaught() {
        ConfigProblem p = onlyProblem(failure(backend("ssl_mode: require")));
        assertContains("unknown key 'ssl_mode' in backends.main", p.what());
        assertContains("did you mean 'sslmode'?", p.fix());
    }

    @Test
    void aUrlMayCarryItsOwnSslmodeAndRootCertificate() throws Exception {
        ProxyConfig config = load("""
                backends:
                  main: { url: "postgresql://app:pw@db.example.com/app?sslmode=verify-full&sslrootcert=ca.crt" }
                databases: { app: { shards: [main] } }
                """);
        BackendConfig main = config.backends().get("main");
        assertEquals(SslMode.VERIFY_FULL, main.sslMode());
        assertEquals(dir.resolve("ca.crt"), main.sslRootCert(), "relative to the configuration file, as the key");
        assertEquals(SslMode.REQUIRE, load("""
                backends:
                  main: { url: "postgresql://app:pw@db.example.com/app?sslmode=require" }
                databases: { app: { shards: [main] } }
                """).backends().get("main").sslMode());
    }

    @Test
    void sslmodeInTheUrlAndAsAKeyIsOneTooMany() {
        ConfigProblem p = onlyProblem(failure("""
                backends:
                  main: { url: "postgresql://app:pw@db.example.com/app?sslmode=require", sslmode: disable }
                databases: { app: { shards: [main] } }
                """));
        assertEquals(2, p.line());
        assertContains("backends.main.sslmode is set here and in the url (?sslmode=...)", p.what());
    }

    @Test
    void aUrlThatVerifiesWithoutARootCertificateIsAProblemToo() {
        ConfigProblem p = onlyProblem(failure("""
                backends:
                  main: { url: "postgresql://app:pw@db.example.com/app?sslmode=verify-ca" }
                databases: { app: { shards: [main] } }
                """));
        assertContains("backends.main.url's sslmode is verify-ca, which checks the server's certificate", p.what());
    }

    @Test
    void quickModeTakesTheTlsOfItsUrl() {
        ProxyConfig quick = ProxyConfig.quick(ListenAddress.parse("127.0.0.1:0"),
                BackendUrl.parse("postgresql://u:p@db.example.com/app?sslmode=require"));
        assertEquals(SslMode.REQUIRE, quick.backends().get(ProxyConfig.QUICK_BACKEND_NAME).sslMode());
        assertEquals(SslMode.PREFER, ProxyConfig.quick(ListenAddress.parse("127.0.0.1:0"),
                BackendUrl.parse("postgresql://u:p@db.example.com/app")).backends().get(ProxyConfig.QUICK_BACKEND_NAME).sslMode());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProxyConfig.quick(
                ListenAddress.parse("127.0.0.1:0"), BackendUrl.parse("postgresql://u:p@db.example.com/app?sslmode=verify-full")));
        assertContains("needs sslrootcert", e.getMessage());
    }

    @Test
    void theJdbcPropertiesOfAUrlCarryItsTls() {
        // What the metadata store's connections get from metadata_store.url.
        Properties props = BackendJdbc.properties(
                BackendUrl.parse("postgresql://u:p@store.example.com/meta?sslmode=verify-full&sslrootcert=/etc/ca.crt"),
                java.time.Duration.ofSeconds(5), "x");
        assertEquals("verify-full", props.getProperty("sslmode"));
        assertEquals("/etc/ca.crt", props.getProperty("sslrootcert"));
        assertFalse(BackendJdbc.properties(BackendUrl.parse("postgresql://u@h/db"), java.time.Duration.ofSeconds(5), "x")
                .containsKey("sslmode"), "pgjdbc's own default when the URL says nothing");
    }
}
