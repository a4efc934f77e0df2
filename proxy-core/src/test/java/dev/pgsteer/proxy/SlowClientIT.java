package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.RawWireClient;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading while a large answer streams makes pgsteer stop reading the backend
 * connections (back-pressure); those connections go back to their pools reading again, so the next
 * sessions that get them are answered.
 */
class SlowClientIT {

    @Test
    void connectionsReleasedWhileTheirClientWasNotReadingServeTheNextSessions() throws Exception {
        try (EmbeddedBackend a = EmbeddedBackend.shard(); EmbeddedBackend b = EmbeddedBackend.shard()) {
            String yaml = """
                    listen: 127.0.0.1:0
                    auth: trust
                    users: { app: {} }
                    backends: { a: { url: "%s" }, b: { url: "%s" } }
                    databases:
                      big:
                        shards: [a, b]
                        pool: { size: 2 }
                        tables: { rows: { key: id, function: hash } }
                    """.formatted(a.url(), b.url());
            try (PgSteerServer proxy = new PgSteerServer(ConfigLoader.parse(yaml, "big.yaml", Map.of()))
                    .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start()) {
                String url = "jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/big?socketTimeout=15";
                try (Connection c = DriverManager.getConnection(url, "app", ""); Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE rows (id int PRIMARY KEY, pad text)");
                    StringBuilder values = new StringBuilder();
                    for (int i = 1; i <= 2000; i++) {
                        values.append(values.isEmpty() ? "" : ", ").append("(").append(i).append(", repeat('x', 2000))");
                    }
                    s.execute("INSERT INTO rows (id, pad) VALUES " + values);
                }
                for (int round = 0; round < 3; round++) {
                    try (RawWireClient slow = new RawWireClient(proxy.address())) {
                        slow.sendStartup(196608, Map.of("user", "app", "database", "big"));
                        slow.readUntil('Z');
                        slow.sendQuery("SELECT id, pad FROM rows");
                        // About 4 MB: far more than the socket buffers, so pgsteer must stop reading the shards.
                        Thread.sleep(500);
                        slow.readUntil('Z');
                    }
                    try (Connection c = DriverManager.getConnection(url, "app", ""); Statement s = c.createStatement()) {
                        for (int i = 0; i < 4; i++) {
                            try (ResultSet rs = s.executeQuery("SELECT id FROM rows WHERE id <= 10")) {
                                int n = 0;
                                while (rs.next()) {
                                    n++;
                                }
                                assertEquals(10, n);
                            }
                        }
                    }
                }
            }
        }
    }
}
