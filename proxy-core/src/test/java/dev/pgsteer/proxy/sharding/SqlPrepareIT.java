package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SQL PREPARE, EXECUTE and DEALLOCATE through a sharded database answer as one PostgreSQL does: the
 * same script, statement by statement in the simple query protocol (as psql sends it), against a plain
 * database and through pgsteer over two shards (two databases of one server), compared answer by
 * answer: rows and counts, or the SQLSTATE.
 */
class SqlPrepareIT {
    private static EmbeddedBackend server;
    private static PgSteerServer proxy;

    /** Each statement, and whether its answer is compared (false: set-up whose answer is the same anyway). */
    private static final List<String> SCRIPT = List.of(
            "PREPARE get(bigint) AS SELECT owner, balance FROM accounts WHERE id = $1",
            "EXECUTE get(3)",
            "EXECUTE get('4')",
            "EXECUTE get(NULL)",
            "EXECUTE get",
            "EXECUTE get(1, 2)",
            "EXECUTE get('x')",
            "PREPARE upd AS UPDATE accounts SET balance = balance + $2 WHERE id = $1",
            "EXECUTE upd(5, 10)",
            "EXECUTE upd('6', '-100')",
            "EXECUTE get(5)",
            "PREPARE mine AS SELECT count(*), sum(balance) FROM accounts WHERE owner = $1 OR $1 IS NULL",
            "EXECUTE mine('o3')",
            "EXECUTE mine(NULL)",
            "prepare \"Q\" (text) AS SELECT $1 || '$1' -- a comment at the end",
            "EXECUTE \"Q\"('it''s')",
            "EXECUTE q('x')",
            "PREPARE get AS SELECT 1",
            "PREPARE bad AS SELECT * FROM nosuch",
            "PREPARE bad2 AS SELEC 1",
            "EXECUTE bad",
            "EXECUTE nosuch(1)",
            "PREPARE ins(bigint, text) AS INSERT INTO accounts VALUES ($1, $2, 0) RETURNING id, owner",
            "EXECUTE ins(100, 'o100')",
            "EXECUTE ins(100, 'again')",
            "SELECT id, owner, balance FROM accounts ORDER BY id",
            "DEALLOCATE get",
            "EXECUTE get(1)",
            "DEALLOCATE get",
            "DEALLOCATE PREPARE upd",
            "DEALLOCATE ALL",
            "EXECUTE mine(NULL)",
            "BEGIN",
            "PREPARE t1 AS SELECT * FROM nosuch",
            "SELECT 1",
            "ROLLBACK",
            "BEGIN",
            "PREPARE t2 (bigint) AS DELETE FROM accounts WHERE id = $1",
            "EXECUTE t2(7)",
            "SELECT count(*) FROM accounts",
            "ROLLBACK",
            "SELECT count(*) FROM accounts",
            "EXECUTE t2(8)",
            "SELECT count(*) FROM accounts");

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedBackend.shard();
        try (Connection c = server.admin(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE appdb2 OWNER app");
            s.execute("CREATE DATABASE plain OWNER app");
        }
        String url1 = server.url();
        String base = url1.substring(0, url1.lastIndexOf('/'));
        String yaml = """
                listen: 127.0.0.1:0
                users: { app: { password: app-secret } }
                backends: { a: { url: "%s" }, b: { url: "%s" } }
                databases:
                  bank:
                    shards: [a, b]
                    tables: { accounts: { key: id, function: hash } }
                """.formatted(url1, base + "/appdb2");
        proxy = new PgSteerServer(ConfigLoader.parse(yaml, "bank.yaml", Map.of()))
                .decisionLog(Files.createTempDirectory("pgsteer-2pc").resolve("decisions.log")).start();
        for (Connection c : List.of(throughPgsteer(), plain())) {
            try (c; Statement s = c.createStatement()) {
                s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, owner text, balance int)");
                s.execute("INSERT INTO accounts SELECT i, 'o' || i, 100 FROM generate_series(1, 10) i");
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theScriptAnswersAsOnePostgreSQLDoes() throws Exception {
        List<String> expected = run(plain());
        List<String> got = run(throughPgsteer());
        for (int i = 0; i < SCRIPT.size(); i++) {
            System.out.println("SqlPrepareIT: " + SCRIPT.get(i) + " -> " + got.get(i));
            assertEquals(expected.get(i), got.get(i), "statement " + (i + 1) + ": " + SCRIPT.get(i));
        }
        // The script is not all errors on both sides: EXECUTE answers with its statement's rows and tag.
        assertEquals("owner:text balance:int4 [o3|100|]", got.get(1));
        assertEquals("count 1", got.get(8));
        assertEquals("ERROR 42P05", got.get(17));
    }

    private static List<String> run(Connection connection) throws SQLException {
        List<String> answers = new ArrayList<>();
        try (connection; Statement s = connection.createStatement()) {
            for (String sql : SCRIPT) {
                try {
                    answers.add(answer(s, s.execute(sql)));
                } catch (SQLException e) {
                    answers.add("ERROR " + e.getSQLState());
                }
            }
        }
        return answers;
    }

    private static String answer(Statement s, boolean rows) throws SQLException {
        if (!rows) {
            return "count " + s.getUpdateCount();
        }
        StringBuilder text = new StringBuilder();
        try (ResultSet rs = s.getResultSet()) {
            ResultSetMetaData meta = rs.getMetaData();
            for (int c = 1; c <= meta.getColumnCount(); c++) {
                text.append(meta.getColumnName(c)).append(':').append(meta.getColumnTypeName(c)).append(' ');
            }
            List<String> lines = new ArrayList<>();
            while (rs.next()) {
                StringBuilder line = new StringBuilder();
                for (int c = 1; c <= meta.getColumnCount(); c++) {
                    line.append(rs.getString(c)).append('|');
                }
                lines.add(line.toString());
            }
            // Rows of several shards come in shard order: compare them as sets in order.
            lines.sort(null);
            text.append(lines);
        }
        return text.toString();
    }

    private static Connection throughPgsteer() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.address().getPort()
                + "/bank?preferQueryMode=simple", "app", "app-secret");
    }

    private static Connection plain() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                + "/plain?preferQueryMode=simple", "app", "app-secret");
    }
}
