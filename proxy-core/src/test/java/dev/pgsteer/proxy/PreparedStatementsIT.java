package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Named prepared statements under transaction pooling: pgjdbc, in each of its query modes, sees
 * through pgsteer exactly what it sees from PostgreSQL, while its sessions move between the
 * connections of a pool smaller than the number of clients.
 */
class PreparedStatementsIT {
    static EmbeddedBackend backend;
    static PgSteerServer proxy;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        String yaml = """
                listen: 127.0.0.1:0
                users:
                  app: { password: "%s" }
                backends:
                  main: { url: "%s" }
                databases:
                  appdb: { shards: [main], pool: { mode: transaction, size: 3, acquire_timeout: 20s } }
                """.formatted(EmbeddedBackend.PASSWORD, backend.url());
        proxy = new PgSteerServer(ConfigLoader.parse(yaml, "PreparedStatementsIT.yaml", Map.of())).start();
        try (Connection c = backend.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id serial PRIMARY KEY, owner int, label text, price numeric(10,2))");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    static Connection viaProxy(String options) throws SQLException {
        return PgjdbcWorkload.connect(proxy.address().getPort(), "socketTimeout=30&" + options);
    }

    static Connection direct(String options) throws SQLException {
        return PgjdbcWorkload.connect(backend.port(), options);
    }

    static List<String> workload(Connection c, int owner) throws SQLException {
        return PgjdbcWorkload.run(c, owner);
    }

    @ParameterizedTest(name = "preferQueryMode={0}, prepareThreshold={1}")
    @CsvSource({"extended,1", "extended,0", "extended,5", "extendedForPrepared,1", "extendedCacheEverything,1", "simple,1"})
    void pgjdbcSeesWhatPostgresqlShows(String mode, int threshold) throws Exception {
        String options = "preferQueryMode=" + mode + "&prepareThreshold=" + threshold + "&binaryTransfer=true";
        List<String> expected;
        try (Connection c = direct(options)) {
            expected = workload(c, 1000 + threshold);
        }
        try (Connection c = viaProxy(options)) {
            assertEquals(expected, workload(c, 1000 + threshold));
        }
    }

    @Test
    void manyClientsShareFewConnectionsWithoutErrorsOrCrossTalk() throws Exception {
        int clients = 24;
        List<String> expected;
        try (Connection c = direct("prepareThreshold=1")) {
            expected = workload(c, 1);
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int client = 0; client < clients; client++) {
                int owner = 100 + client;
                runs.add(pool.submit(() -> {
                    List<String> last = null;
                    try (Connection c = viaProxy("prepareThreshold=1")) {
                        for (int round = 0; round < 5; round++) {
                            last = workload(c, owner);
                        }
                    }
                    return last;
                }));
            }
            for (Future<List<String>> run : runs) {
                assertEquals(expected, run.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSecondStatementOfTheSameNameIsRefusedWithTheClientsNameAndTheBatchIsSkippedToSync() throws Exception {
        String yaml = """
                listen: 127.0.0.1:0
                auth: trust
                users:
                  app: {}
                backends:
                  main: { url: "%s" }
                databases:
                  appdb: { shards: [main], pool: { size: 1 } }
                """.formatted(backend.url());
        try (PgSteerServer trusting = new PgSteerServer(ConfigLoader.parse(yaml, "trust.yaml", Map.of())).start();
             RawWireClient raw = new RawWireClient(trusting.address())) {
            raw.sendStartup(3 << 16, Map.of("user", "app", "database", "appdb"));
            raw.readUntil('Z');
            raw.sendTyped('P', "dup\0SELECT 1\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('P', "dup\0SELECT 2\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('B', "\0dup\0\0\0\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('E', "\0\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('S', new byte[0]);
            assertEquals('1', raw.read().type());
            RawWireClient.Message error = raw.read();
            assertEquals('E', error.type());
            assertEquals("42P05", error.fields().get('C'));
            // PostgreSQL's words (prepare.c), with the name the client chose, not pgsteer's.
            assertEquals("prepared statement \"dup\" already exists", error.fields().get('M'));
            // Bind and Execute were skipped, as after any error: the next answer is ReadyForQuery.
            RawWireClient.Message ready = raw.read();
            assertEquals('Z', ready.type());
            assertEquals('I', (char) ready.body()[0]);
            // The first statement is still the session's, whichever connection comes next.
            raw.sendTyped('B', "\0dup\0\0\0\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('E', "\0\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            raw.sendTyped('S', new byte[0]);
            assertEquals('2', raw.read().type());
            RawWireClient.Message row = raw.read();
            assertEquals('D', row.type());
            assertEquals("1", new String(row.body(), 6, 1, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals('C', raw.read().type());
            assertEquals('Z', raw.read().type());
        }
    }
}
