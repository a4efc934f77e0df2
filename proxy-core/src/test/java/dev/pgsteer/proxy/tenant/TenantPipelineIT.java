package dev.pgsteer.proxy.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.TenantCluster;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 20: an unpinned session that switches tenant between Syncs, sending everything without
 * waiting (pipeline mode), gets each batch run for the tenant in force when the batch was sent, as
 * it would between transactions. The switch takes effect once the batches before it are answered
 * and the connection went back. Sent as bytes: no driver pipelines across Syncs on demand.
 */
class TenantPipelineIT {
    private static TenantCluster cluster;
    private static PgSteerServer trusting;

    @BeforeAll
    static void start() throws Exception {
        cluster = new TenantCluster();
        trusting = new PgSteerServer(ConfigLoader.parse(cluster.yaml + "auth: trust\n", "pipeline.yaml", Map.of())).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (trusting != null) {
            trusting.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aTenantSwitchBetweenSyncsTakesEffectForTheNextBatch() throws Exception {
        try (Wire w = new Wire(trusting.address().getPort(), "beta")) {
            w.extended("SELECT string_agg(item, ',' ORDER BY id) FROM orders");
            w.extended("SET pgsteer.tenant = 'delta'");
            w.extended("SELECT string_agg(item, ',' ORDER BY id) FROM orders");
            w.extended("SET pgsteer.tenant = 'globex'");
            w.extended("SELECT string_agg(item, ',' ORDER BY id) FROM orders");
            w.flush();
            assertEquals(List.of("beta-1,beta-2"), w.rowsUntilReady());
            assertEquals(List.of(), w.rowsUntilReady());
            assertEquals(List.of("delta-1,delta-2"), w.rowsUntilReady());
            assertEquals(List.of(), w.rowsUntilReady());
            assertEquals(List.of("globex-1,globex-2"), w.rowsUntilReady());
        }
    }

    /** Each batch written as soon as it is made, the answers read after the last: INSERTs, as the issue had them. */
    @Test
    void writesPipelinedAcrossATenantSwitchLandInEachTenant() throws Exception {
        try (Wire w = new Wire(trusting.address().getPort(), "beta")) {
            w.extended("INSERT INTO orders VALUES (30, 'beta-30') RETURNING item");
            w.flush();
            w.extended("SET pgsteer.tenant = 'delta'");
            w.flush();
            w.extended("INSERT INTO orders VALUES (30, 'delta-30') RETURNING item");
            w.flush();
            w.extended("DELETE FROM orders WHERE id = 30 RETURNING item");
            w.flush();
            w.extended("RESET pgsteer.tenant");
            w.extended("DELETE FROM orders WHERE id = 30 RETURNING item");
            w.flush();
            assertEquals(List.of("beta-30"), w.rowsUntilReady());
            assertEquals(List.of(), w.rowsUntilReady());
            assertEquals(List.of("delta-30"), w.rowsUntilReady());
            assertEquals(List.of("delta-30"), w.rowsUntilReady());
            assertEquals(List.of(), w.rowsUntilReady());
            assertEquals(List.of("beta-30"), w.rowsUntilReady());
        }
    }

    @Test
    void aTenantSwitchBetweenQueriesTakesEffectForTheNextQuery() throws Exception {
        try (Wire w = new Wire(trusting.address().getPort(), "beta")) {
            w.query("SELECT string_agg(item, ',' ORDER BY id) FROM orders");
            w.query("SET pgsteer.tenant = 'delta'");
            w.query("SELECT string_agg(item, ',' ORDER BY id) FROM orders");
            w.flush();
            assertEquals(List.of("beta-1,beta-2"), w.rowsUntilReady());
            assertEquals(List.of(), w.rowsUntilReady());
            assertEquals(List.of("delta-1,delta-2"), w.rowsUntilReady());
        }
    }

    /**
     * In SJIS the second byte of a character may be a backslash (0x83 0x5C is the katakana so):
     * read byte by byte, {@code E'<so>'} would hide its closing quote. A session of a tenant without
     * a role in such an encoding may send ASCII text (it reads the same in every encoding), and gets
     * 0A000 for anything else; a tenant with a role does not depend on the guard.
     */
    @Test
    void aTenantWithoutARoleIsRefusedTextBeyondAsciiInSjis() throws Exception {
        byte[] so = {'S', 'E', 'L', 'E', 'C', 'T', ' ', 'E', '\'', (byte) 0x83, 0x5C, '\'', ' ', 'A', 'S', ' ', 'x'};
        try (Wire w = new Wire(trusting.address().getPort(), "beta", "SJIS")) {
            w.query("SELECT string_agg(item, ',' ORDER BY id) FROM orders");
            w.query(so);
            w.flush();
            assertEquals(List.of("beta-1,beta-2"), w.rowsUntilReady());
            AssertionError refused = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, w::rowsUntilReady);
            org.junit.jupiter.api.Assertions.assertTrue(refused.getMessage().contains("C0A000"), refused.getMessage());
        }
        try (Wire w = new Wire(trusting.address().getPort(), "acme", "SJIS")) {
            w.query(so);
            w.flush();
            assertEquals(1, w.rowsUntilReady().size());
        }
    }

    /** A client of the wire protocol that writes messages without waiting and reads the answers after. */
    private static final class Wire implements AutoCloseable {
        private final Socket socket = new Socket();
        private final OutputStream out;
        private final DataInputStream in;
        private final ByteArrayOutputStream buffered = new ByteArrayOutputStream();

        Wire(int port, String tenant) throws IOException {
            this(port, tenant, "UTF8");
        }

        Wire(int port, String tenant, String clientEncoding) throws IOException {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(15_000);
            out = socket.getOutputStream();
            in = new DataInputStream(socket.getInputStream());
            ByteArrayOutputStream startup = new ByteArrayOutputStream();
            startup.writeBytes(new byte[8]);
            for (String s : new String[] {"user", "app", "database", "saas", "options", "-c pgsteer.tenant=" + tenant,
                    "client_encoding", clientEncoding}) {
                startup.writeBytes(cString(s));
            }
            startup.write(0);
            byte[] bytes = startup.toByteArray();
            ByteBuffer.wrap(bytes).putInt(bytes.length).putInt(3 << 16);
            out.write(bytes);
            out.flush();
            rowsUntilReady();
        }

        void query(String sql) {
            message('Q', cString(sql));
        }

        void query(byte[] sql) {
            message('Q', java.util.Arrays.copyOf(sql, sql.length + 1));
        }

        /** Parse, Bind, Execute, Sync of {@code sql}, unnamed. */
        void extended(String sql) {
            ByteArrayOutputStream parse = new ByteArrayOutputStream();
            parse.writeBytes(cString(""));
            parse.writeBytes(cString(sql));
            parse.writeBytes(new byte[] {0, 0});
            message('P', parse.toByteArray());
            message('B', new byte[] {0, 0, 0, 0, 0, 0, 0, 0});
            message('E', new byte[] {0, 0, 0, 0, 0});
            message('S', new byte[0]);
        }

        void flush() throws IOException {
            out.write(buffered.toByteArray());
            out.flush();
            buffered.reset();
        }

        /** The first column of the rows up to the next ReadyForQuery; an error fails the test with its message. */
        List<String> rowsUntilReady() throws IOException {
            List<String> rows = new ArrayList<>();
            while (true) {
                char type = (char) in.readUnsignedByte();
                byte[] body = new byte[in.readInt() - 4];
                in.readFully(body);
                switch (type) {
                    case 'Z' -> {
                        return rows;
                    }
                    case 'E' -> throw new AssertionError("error: " + new String(body, StandardCharsets.UTF_8).replace('\0', ' '));
                    case 'D' -> {
                        ByteBuffer b = ByteBuffer.wrap(body);
                        b.getShort();
                        int length = b.getInt();
                        rows.add(length < 0 ? null : new String(body, b.position(), length, StandardCharsets.UTF_8));
                    }
                    default -> {
                    }
                }
            }
        }

        private void message(char type, byte[] body) {
            buffered.write(type);
            buffered.writeBytes(ByteBuffer.allocate(4).putInt(4 + body.length).array());
            buffered.writeBytes(body);
        }

        private static byte[] cString(String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return java.util.Arrays.copyOf(bytes, bytes.length + 1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
