package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two shards that are two databases of one PostgreSQL server: a transaction over both commits. */
class ShardsOnOneServerIT {

    @Test
    void aTwoShardTransactionCommitsWhenBothShardsShareAServer() throws Exception {
        try (EmbeddedBackend server = EmbeddedBackend.shard()) {
            try (Connection c = server.admin(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE appdb2 OWNER app");
            }
            String url1 = server.url();
            String url2 = url1.substring(0, url1.lastIndexOf('/')) + "/appdb2";
            String yaml = """
                    listen: 127.0.0.1:0
                    users: { app: { password: app-secret } }
                    backends: { a: { url: "%s" }, b: { url: "%s" } }
                    databases:
                      bank:
                        shards: [a, b]
                        tables: { accounts: { key: id, function: hash } }
                    """.formatted(url1, url2);
            try (PgSteerServer proxy = new PgSteerServer(ConfigLoader.parse(yaml, "bank.yaml", Map.of()))
                    .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start();
                 Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.address().getPort() + "/bank",
                         "app", "app-secret");
                 Statement s = c.createStatement()) {
                s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, balance int)");
                c.setAutoCommit(false);
                for (int id = 1; id <= 10; id++) {
                    s.executeUpdate("INSERT INTO accounts (id, balance) VALUES (" + id + ", 100)");
                }
                c.commit();
                c.setAutoCommit(true);
                try (ResultSet rs = s.executeQuery("SELECT count(*), sum(balance) FROM accounts")) {
                    rs.next();
                    assertEquals(10, rs.getInt(1));
                    assertEquals(1000, rs.getInt(2));
                }
            }
            for (String db : new String[] {"appdb", "appdb2"}) {
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/" + db, "app", "app-secret");
                     Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM pg_prepared_xacts)")) {
                    rs.next();
                    assertEquals(true, rs.getInt(1) > 0, "rows in " + db);
                    assertEquals(0, rs.getInt(2), "nothing left prepared");
                }
            }
        }
    }
}
