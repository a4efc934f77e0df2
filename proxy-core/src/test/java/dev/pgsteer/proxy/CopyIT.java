package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.PgjdbcWorkload;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/** COPY through pgsteer, in text, CSV and binary, both ways; a failed or cancelled COPY leaves nothing behind. */
class CopyIT {
    static EmbeddedBackend backend;
    static PgSteerServer proxy;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        proxy = new PgSteerServer(backend.proxyConfig("mode: transaction, size: 2")).start();
        try (Connection c = backend.direct(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE source (id int, label text, amount numeric, at timestamptz, data bytea)");
            s.execute("INSERT INTO source SELECT g, 'row ' || g || ' é,\"q\"', g * 1.5, '2024-01-01'::timestamptz + g * interval '1 hour', "
                    + "decode(md5(g::text), 'hex') FROM generate_series(1, 5000) g");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    static Connection viaProxy() throws SQLException {
        return PgjdbcWorkload.connect(proxy.address().getPort(), "socketTimeout=30");
    }

    static byte[] copyOut(Connection c, String sql) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, out);
        return out.toByteArray();
    }

    @Test
    void copyOutIsByteForByteWhatPostgresqlSends() throws Exception {
        for (String format : new String[] {"text", "csv", "binary"}) {
            String sql = "COPY (SELECT * FROM source ORDER BY id) TO STDOUT WITH (FORMAT " + format + ")";
            try (Connection direct = backend.direct(); Connection proxied = viaProxy()) {
                assertArrayEquals(copyOut(direct, sql), copyOut(proxied, sql), format);
            }
        }
    }

    @Test
    void copyInLoadsTheSameRowsInEveryFormat() throws Exception {
        for (String format : new String[] {"text", "csv", "binary"}) {
            byte[] data;
            try (Connection direct = backend.direct()) {
                data = copyOut(direct, "COPY source TO STDOUT WITH (FORMAT " + format + ")");
            }
            String table = "target_" + format;
            try (Connection proxied = viaProxy(); Statement s = proxied.createStatement()) {
                s.execute("CREATE TABLE " + table + " (LIKE source)");
                long rows = proxied.unwrap(PGConnection.class).getCopyAPI()
                        .copyIn("COPY " + table + " FROM STDIN WITH (FORMAT " + format + ")", new ByteArrayInputStream(data));
                assertEquals(5000, rows, format);
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM (SELECT * FROM " + table + " EXCEPT SELECT * FROM source) d")) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), format + ": every row arrived intact");
                }
            }
        }
    }

    @Test
    void aFailedCopyLeavesNothingAndTheSessionGoesOn() throws Exception {
        try (Connection proxied = viaProxy(); Statement s = proxied.createStatement()) {
            s.execute("CREATE TABLE failing (id int)");
            CopyManager copy = proxied.unwrap(PGConnection.class).getCopyAPI();
            SQLException bad = assertThrows(SQLException.class,
                    () -> copy.copyIn("COPY failing FROM STDIN", new ByteArrayInputStream("1\n2\nnot a number\n".getBytes(StandardCharsets.UTF_8))));
            assertEquals("22P02", bad.getSQLState());
            CopyIn abandoned = copy.copyIn("COPY failing FROM STDIN");
            abandoned.writeToCopy("3\n4\n".getBytes(StandardCharsets.UTF_8), 0, 4);
            abandoned.cancelCopy();
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM failing")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "neither COPY left a row");
            }
        }
    }

    @Test
    void aCancelDuringCopyStopsItAndTheSessionGoesOn() throws Exception {
        try (Connection proxied = viaProxy(); Statement s = proxied.createStatement()) {
            s.execute("CREATE TABLE slow (id int)");
            // About two seconds of rows, slow enough for the cancel to land while the COPY runs.
            InputStream slowRows = new InputStream() {
                private int sent;

                @Override
                public int read() {
                    if (sent == 40_000) {
                        return -1;
                    }
                    if (++sent % 200 == 0) {
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return sent % 2 == 1 ? '7' : '\n';
                }
            };
            Thread canceller = new Thread(() -> {
                try {
                    Thread.sleep(500);
                    proxied.unwrap(PGConnection.class).cancelQuery();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            canceller.start();
            SQLException cancelled = assertThrows(SQLException.class,
                    () -> proxied.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY slow FROM STDIN", slowRows));
            canceller.join();
            assertEquals("57014", cancelled.getSQLState());
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM slow")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getInt(1));
            }
        }
    }
}
