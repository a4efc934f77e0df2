package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.proxy.testkit.RawWireClient;
import dev.pgsteer.proxy.testkit.WireMessage;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every way a client or a backend can go wrong ends in a clear error, and the proxy carries on. */
class FailureModesIT {
    static EmbeddedBackend backend;
    /** Password-checking proxy, pool of one connection with a short acquire timeout. */
    static PgSteerServer proxy;
    /** A proxy that trusts its clients, for tests that speak the raw protocol after login. */
    static PgSteerServer trusting;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        proxy = new PgSteerServer(config("scram-sha-256", "auth_timeout: 1s")).start();
        trusting = new PgSteerServer(config("trust", "")).start();
    }

    static ProxyConfig config(String auth, String extra) {
        String yaml = """
                listen: 127.0.0.1:0
                auth: %s
                %s
                users:
                  app: { password: "%s" }
                backends:
                  main: { url: "%s" }
                databases:
                  appdb: { shards: [main], pool: { mode: transaction, size: 1, acquire_timeout: 500ms } }
                """.formatted(auth, extra, EmbeddedBackend.PASSWORD, backend.url());
        return ConfigLoader.parse(yaml, "FailureModesIT.yaml", Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        trusting.close();
        backend.close();
    }

    static Connection connect(PgSteerServer server, String database, String password) throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(server, database, "prepareThreshold=0", "connectTimeout=10"),
                EmbeddedBackend.USER, password);
    }

    @Test
    void wrongPasswordIsRefusedWith28P01() {
        SQLException e = assertThrows(SQLException.class, () -> connect(proxy, EmbeddedBackend.DATABASE, "wrong"));
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("password authentication failed for user \"app\""), e.getMessage());
    }

    @Test
    void unknownUserFailsExactlyLikeAWrongPassword() {
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                Pgjdbc.url(proxy, "appdb"), "nobody", "x"));
        assertEquals("28P01", e.getSQLState());
    }

    @Test
    void md5AuthenticationChecksThePasswordToo() throws Exception {
        try (PgSteerServer md5 = new PgSteerServer(config("md5", "")).start()) {
            try (Connection c = connect(md5, EmbeddedBackend.DATABASE, EmbeddedBackend.PASSWORD)) {
                assertTrue(c.createStatement().executeQuery("SELECT 1").next());
            }
            SQLException e = assertThrows(SQLException.class, () -> connect(md5, EmbeddedBackend.DATABASE, "wrong"));
            assertEquals("28P01", e.getSQLState());
        }
    }

    @Test
    void clientsOverTheLimitAreToldSoAfterTheirSslRequest() throws Exception {
        try (PgSteerServer small = new PgSteerServer(config("scram-sha-256", "max_client_connections: 1")).start();
             Connection first = connect(small, EmbeddedBackend.DATABASE, EmbeddedBackend.PASSWORD)) {
            SQLException e = assertThrows(SQLException.class, () -> connect(small, EmbeddedBackend.DATABASE, EmbeddedBackend.PASSWORD));
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("too many clients"), e.getMessage());
            assertTrue(first.createStatement().executeQuery("SELECT 1").next());
        }
    }

    @Test
    void passthroughToADatabaseTheBackendLacksIs3D000() throws Exception {
        String url = "postgresql://" + EmbeddedBackend.USER + ":" + EmbeddedBackend.PASSWORD + "@127.0.0.1:" + backend.port();
        try (PgSteerServer passthrough = new PgSteerServer(dev.pgsteer.config.ProxyConfig.quick(
                new dev.pgsteer.config.ListenAddress("127.0.0.1", 0), dev.pgsteer.config.BackendUrl.parse(url))).start()) {
            try (Connection c = connect(passthrough, EmbeddedBackend.DATABASE, EmbeddedBackend.PASSWORD)) {
                assertTrue(c.createStatement().executeQuery("SELECT 1").next());
            }
            SQLException e = assertThrows(SQLException.class, () -> connect(passthrough, "nosuchdb", EmbeddedBackend.PASSWORD));
            assertEquals("3D000", e.getSQLState());
        }
    }

    @Test
    void unknownDatabaseIs3D000() {
        SQLException e = assertThrows(SQLException.class, () -> connect(proxy, "nosuchdb", EmbeddedBackend.PASSWORD));
        assertEquals("3D000", e.getSQLState());
    }

    @Test
    void backendLoginGoesThroughScramAndWorks() throws Exception {
        try (Connection c = connect(proxy, EmbeddedBackend.DATABASE, EmbeddedBackend.PASSWORD);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT auth_method FROM pg_stat_activity a JOIN pg_stat_ssl USING (pid) "
                     + "CROSS JOIN LATERAL (SELECT 'scram' AS auth_method) m WHERE a.pid = pg_backend_pid()")) {
            assertTrue(rs.next());
        }
    }

    @Test
    void malformedStartupLengthIsFatal08P01AndCloses() throws Exception {
        try (RawWireClient raw = new RawWireClient(proxy.address())) {
            raw.send(new byte[] {0, 0, 0, 4, 0, 3, 0, 0});
            WireMessage error = raw.read();
            assertEquals('E', error.type());
            assertEquals("FATAL", error.fields().get('V'));
            assertEquals("08P01", error.fields().get('C'));
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void unknownProtocolMajorVersionIsRefused() throws Exception {
        try (RawWireClient raw = new RawWireClient(proxy.address())) {
            raw.sendStartup(4 << 16, Map.of("user", "app"));
            WireMessage error = raw.read();
            assertEquals('E', error.type());
            assertEquals("FATAL", error.fields().get('V'));
            assertTrue(error.fields().get('M').contains("unsupported frontend protocol 4.0"));
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void newerMinorVersionIsNegotiatedDownTo30() throws Exception {
        try (RawWireClient raw = new RawWireClient(trusting.address())) {
            raw.sendStartup((3 << 16) | 2, Map.of("user", "app", "database", "appdb", "_pq_.future", "1"));
            WireMessage negotiate = raw.read();
            assertEquals('v', negotiate.type());
            assertEquals(0, java.nio.ByteBuffer.wrap(negotiate.body()).getInt());
            assertEquals('R', raw.read().type());
            assertEquals('I', (char) raw.readUntil('Z').body()[0]);
        }
    }

    @Test
    void oversizedMessageBeforeLoginIsRefusedFromItsHeader() throws Exception {
        try (RawWireClient raw = new RawWireClient(proxy.address())) {
            raw.sendStartup(3 << 16, Map.of("user", "app", "database", "appdb"));
            assertEquals('R', raw.read().type());
            // Claims 100 MB; only the header is sent, and the proxy must not wait for the rest.
            raw.send(new byte[] {'p', 0x06, 0, 0, 0});
            WireMessage error = raw.read();
            assertEquals("FATAL", error.fields().get('V'));
            assertEquals("54000", error.fields().get('C'));
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void silentClientIsDroppedAfterTheAuthTimeout() throws Exception {
        try (RawWireClient raw = new RawWireClient(proxy.address())) {
            long start = System.nanoTime();
            WireMessage error = raw.read();
            assertEquals("57P03", error.fields().get('C'));
            assertTrue(raw.closedByServer());
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
        }
    }

    @Test
    void malformedFrameAfterLoginIsFatal08P01AndTheProxyGoesOn() throws Exception {
        try (RawWireClient raw = new RawWireClient(trusting.address())) {
            raw.sendStartup(3 << 16, Map.of("user", "app", "database", "appdb"));
            raw.readUntil('Z');
            raw.send(new byte[] {'Q', 0, 0, 0, 2});
            WireMessage error = raw.readUntil('E');
            assertEquals("08P01", error.fields().get('C'));
            assertTrue(raw.closedByServer());
        }
        try (Connection c = connect(trusting, EmbeddedBackend.DATABASE, "ignored"); Statement s = c.createStatement()) {
            assertTrue(s.executeQuery("SELECT 1").next());
        }
    }

    @Test
    void poolTimeoutIs53300AndTheSessionSurvives() throws Exception {
        try (Connection holder = connect(proxy, EmbeddedBackend.DATABASE, EmbeddedBackend.PASSWORD);
             Connection waiter = connect(proxy, EmbeddedBackend.DATABASE, EmbeddedBackend.PASSWORD)) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT 1");
            SQLException e = assertThrows(SQLException.class, () -> waiter.createStatement().executeQuery("SELECT 2"));
            assertEquals("53300", e.getSQLState());
            holder.commit();
            try (ResultSet rs = waiter.createStatement().executeQuery("SELECT 2")) {
                assertTrue(rs.next());
                assertEquals(2, rs.getInt(1));
            }
        }
    }

    @Test
    void clientVanishingMidTransactionIsRolledBackAndItsConnectionReused() throws Exception {
        try (Connection setup = connect(proxy, EmbeddedBackend.DATABASE, EmbeddedBackend.PASSWORD)) {
            setup.createStatement().execute("CREATE TABLE IF NOT EXISTS vanishing (id int)");
        }
        try (RawWireClient raw = new RawWireClient(trusting.address())) {
            raw.sendStartup(3 << 16, Map.of("user", "app", "database", "appdb"));
            raw.readUntil('Z');
            raw.sendQuery("BEGIN; INSERT INTO vanishing VALUES (1)");
            assertEquals('T', (char) raw.readUntil('Z').body()[0]);
        }
        // The pool has one connection: the next client gets it only if it came back, rolled back.
        try (Connection after = connect(trusting, EmbeddedBackend.DATABASE, "ignored");
             ResultSet rs = after.createStatement().executeQuery("SELECT count(*) FROM vanishing")) {
            assertTrue(rs.next());
            assertEquals(0, rs.getInt(1));
        }
    }

    @Test
    void clientVanishingMidStatementFreesThePool() throws Exception {
        try (RawWireClient raw = new RawWireClient(trusting.address())) {
            raw.sendStartup(3 << 16, Map.of("user", "app", "database", "appdb"));
            raw.readUntil('Z');
            raw.sendQuery("SELECT pg_sleep(30)");
            Thread.sleep(200);
        }
        try (Connection after = connect(trusting, EmbeddedBackend.DATABASE, "ignored");
             ResultSet rs = after.createStatement().executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
    }

    @Test
    void unreachableBackendIsFatal08006NamingItAndTheNextClientSucceedsOnceItIsBack() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String yaml = """
                listen: 127.0.0.1:0
                users:
                  app: { password: "%s" }
                backends:
                  ghost: { url: "postgresql://%s:%s@127.0.0.1:%d/%s" }
                databases:
                  appdb: { shards: [ghost] }
                """.formatted(EmbeddedBackend.PASSWORD, EmbeddedBackend.USER, EmbeddedBackend.PASSWORD, port, EmbeddedBackend.DATABASE);
        try (PgSteerServer lonely = new PgSteerServer(ConfigLoader.parse(yaml, "ghost.yaml", Map.of())).start()) {
            SQLException e = assertThrows(SQLException.class, () -> connect(lonely, EmbeddedBackend.DATABASE, EmbeddedBackend.PASSWORD));
            assertEquals("08006", e.getSQLState());
            assertTrue(e.getMessage().contains("\"ghost\""), e.getMessage());
            try (EmbeddedBackend back = EmbeddedBackend.start(port);
                 Connection c = connect(lonely, EmbeddedBackend.DATABASE, EmbeddedBackend.PASSWORD)) {
                assertTrue(c.createStatement().executeQuery("SELECT 1").next());
            }
        }
    }

    @Test
    void usersMayBeGivenAsScramVerifiers() throws Exception {
        String verifier = dev.pgsteer.protocol.auth.ScramVerifier.fromPassword("verified-secret").encode();
        String yaml = """
                listen: 127.0.0.1:0
                users:
                  app: { password: "%s" }
                backends:
                  main: { url: "%s" }
                databases:
                  appdb: { shards: [main] }
                """.formatted(verifier, backend.url());
        try (PgSteerServer server = new PgSteerServer(ConfigLoader.parse(yaml, "verifier.yaml", Map.of())).start();
             Connection c = connect(server, EmbeddedBackend.DATABASE, "verified-secret")) {
            assertTrue(c.createStatement().executeQuery("SELECT 1").next());
        }
    }

    @Test
    void terminateReturnsTheConnectionWithoutError() throws Exception {
        InetSocketAddress address = trusting.address();
        try (RawWireClient raw = new RawWireClient(address)) {
            raw.sendStartup(3 << 16, Map.of("user", "app", "database", "appdb"));
            raw.readUntil('Z');
            raw.sendTyped('X', new byte[0]);
            assertTrue(raw.closedByServer());
        }
        assertFalse(trusting.context().pools().pools().isEmpty());
    }
}
