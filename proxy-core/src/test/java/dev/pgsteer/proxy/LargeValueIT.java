package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.HeldBuffers;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.proxy.testkit.ProxyConfigs;
import dev.pgsteer.proxy.testkit.RawWireClient;
import dev.pgsteer.proxy.testkit.WireMessage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * A bytea value of hundreds of megabytes crosses pgsteer in every way a client can send or fetch
 * it (a Bind parameter, a DataRow, COPY in and out), arrives intact (length and SHA-256 computed by
 * PostgreSQL), and pgsteer holds a bounded part of it at any time: its buffers never grow by
 * {@link #MOST_HELD} while it passes ({@link HeldBuffers}), where buffering the message whole would
 * take twice the value. So too when the message must wait for a connection, and a message cut short
 * or refused leaves nothing behind.
 */
class LargeValueIT {
    /** 200 MiB: over three times what pgsteer may hold, and a few seconds per transfer on a loaded machine. */
    static final int SIZE = Integer.getInteger("pgsteer.it.largeValue", 200 << 20);
    static final long MOST_HELD = 64L << 20;
    /** The row every fetch reads, stored straight on the backend. */
    static final int STORED = 0;

    static EmbeddedBackend backend;
    static PgSteerServer proxy;
    static byte[] value;
    static String valueSha256;

    @BeforeAll
    static void start() throws Exception {
        backend = EmbeddedBackend.start();
        proxy = new PgSteerServer(ProxyConfigs.trustingInFrontOf(backend.url(),
                "appdb: { shards: [main], pool: { mode: transaction, size: 1, acquire_timeout: 3s } }")).start();
        value = new byte[SIZE];
        new SplittableRandom(42).nextBytes(value);
        valueSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        try (Connection c = backend.direct(); Statement s = c.createStatement()) {
            // Unlogged and stored uncompressed: the backend's own work stays small next to the transfer.
            s.execute("CREATE UNLOGGED TABLE blobs (id int PRIMARY KEY, data bytea)");
            s.execute("ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO blobs VALUES (?, ?)")) {
                insert.setInt(1, STORED);
                insert.setBytes(2, value);
                insert.executeUpdate();
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    static Connection viaProxy() throws SQLException {
        return DriverManager.getConnection(Pgjdbc.url(proxy, "appdb"), "app", "");
    }

    @Test
    void aBindParameterFromPgjdbcPassesThroughWhileItIsRead() throws Exception {
        long held = HeldBuffers.mostHeldWhile(() -> {
            try (Connection c = viaProxy(); PreparedStatement insert = c.prepareStatement("INSERT INTO blobs VALUES (?, ?)")) {
                insert.setInt(1, 1);
                insert.setBytes(2, value);
                assertEquals(1, insert.executeUpdate());
            }
        });
        assertStoredIntact(1);
        assertHeldLittle("a pgjdbc Bind", held);
    }

    @Test
    void aDataRowToPgjdbcPassesThroughWhileItIsRead() throws Exception {
        long held = HeldBuffers.mostHeldWhile(() -> {
            try (Connection c = viaProxy(); PreparedStatement select = c.prepareStatement("SELECT data FROM blobs WHERE id = ?")) {
                select.setInt(1, STORED);
                try (ResultSet rs = select.executeQuery()) {
                    assertTrue(rs.next());
                    byte[] fetched = rs.getBytes(1);
                    assertEquals(SIZE, fetched.length);
                    assertEquals(valueSha256, sha256(fetched));
                }
            }
        });
        assertHeldLittle("a DataRow to pgjdbc", held);
    }

    @Test
    void aBindOfANamedStatementSentPieceByPieceIsRenamedAndPassedOn() throws Exception {
        long held = HeldBuffers.mostHeldWhile(() -> {
            try (RawWireClient raw = loggedIn()) {
                byte[] sql = "INSERT INTO blobs VALUES ($1, $2)\0".getBytes(StandardCharsets.UTF_8);
                ByteBuffer parse = ByteBuffer.allocate(64 + sql.length);
                parse.put("big_insert\0".getBytes(StandardCharsets.UTF_8)).put(sql).putShort((short) 2).putInt(23).putInt(17);
                raw.sendTyped('P', java.util.Arrays.copyOf(parse.array(), parse.position()));
                raw.sendTyped('S', new byte[0]);
                assertEquals('1', raw.read().type());
                raw.readUntil('Z');

                // pgsteer renames the statement of the Bind, at its head, while the value streams behind it.
                byte[] names = "\0big_insert\0".getBytes(StandardCharsets.UTF_8);
                int bodyLength = names.length + 2 + 4 + 2 + 4 + 4 + 4 + SIZE + 2;
                ByteBuffer head = ByteBuffer.allocate(5 + bodyLength - SIZE - 2);
                head.put((byte) 'B').putInt(4 + bodyLength).put(names)
                        .putShort((short) 2).putShort((short) 1).putShort((short) 1)
                        .putShort((short) 2).putInt(4).putInt(2).putInt(SIZE);
                raw.send(head.array());
                for (int at = 0; at < SIZE; at += 1 << 20) {
                    raw.sendUnflushed(value, at, Math.min(1 << 20, SIZE - at));
                }
                raw.send(new byte[] {0, 0});
                raw.sendTyped('E', new byte[] {0, 0, 0, 0, 0});
                raw.sendTyped('S', new byte[0]);
                assertEquals('2', raw.read().type(), "BindComplete");
                WireMessage done = raw.read();
                assertEquals('C', done.type());
                assertEquals("INSERT 0 1\0", new String(done.body(), StandardCharsets.UTF_8));
                assertEquals('Z', raw.read().type());
            }
        });
        assertStoredIntact(2);
        assertHeldLittle("a raw Bind of a named statement", held);
    }

    @Test
    void aDataRowToAClientThatStopsReadingWaitsInTheBackendNotInPgsteer() throws Exception {
        long held = HeldBuffers.mostHeldWhile(() -> {
            try (RawWireClient raw = loggedIn()) {
                raw.sendQuery("SELECT data FROM blobs WHERE id = " + STORED);
                assertEquals('T', raw.read().type());
                DataInputStream in = raw.input();
                assertEquals('D', in.readUnsignedByte());
                in.readInt();
                assertEquals(1, in.readUnsignedShort());
                int textLength = in.readInt();
                assertEquals(2 + 2L * SIZE, textLength, "\\x and two hex digits a byte");
                // The client reads nothing for a while: pgsteer must stop reading the backend, not hold the row.
                Thread.sleep(1000);
                assertEquals(valueSha256, sha256OfHex(in, textLength));
                assertEquals('C', raw.read().type());
                assertEquals('Z', raw.read().type());
            }
        });
        assertHeldLittle("a DataRow to a client that paused", held);
    }

    @Test
    void copyInOfOneLargeCopyDataPassesThroughWhileItIsRead() throws Exception {
        long held = HeldBuffers.mostHeldWhile(() -> {
            try (Connection c = viaProxy()) {
                CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY blobs FROM STDIN (FORMAT binary)");
                ByteBuffer start = ByteBuffer.allocate(19 + 2 + 8 + 4);
                start.put("PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1)).putInt(0).putInt(0)
                        .putShort((short) 2).putInt(4).putInt(3).putInt(SIZE);
                copy.writeToCopy(start.array(), 0, start.position());
                // One CopyData of the whole value, as pgjdbc sends the array it is given.
                copy.writeToCopy(value, 0, SIZE);
                copy.writeToCopy(new byte[] {-1, -1}, 0, 2);
                assertEquals(1, copy.endCopy());
            }
        });
        assertStoredIntact(3);
        assertHeldLittle("COPY in", held);
    }

    @Test
    void copyOutOfOneLargeRowPassesThroughWhileItIsRead() throws Exception {
        long held = HeldBuffers.mostHeldWhile(() -> {
            try (Connection c = viaProxy()) {
                ValueDigest out = new ValueDigest(19 + 2 + 4);
                c.unwrap(PGConnection.class).getCopyAPI()
                        .copyOut("COPY (SELECT data FROM blobs WHERE id = " + STORED + ") TO STDOUT (FORMAT binary)", out);
                assertEquals(SIZE, out.taken);
                assertEquals(valueSha256, HexFormat.of().formatHex(out.digest.digest()));
            }
        });
        assertHeldLittle("COPY out", held);
    }

    @Test
    void aLargeBindThatMustWaitForAConnectionWaitsUnreadInTheClient() throws Exception {
        try (Connection holder = viaProxy(); Connection waiting = viaProxy(); Statement hold = holder.createStatement()) {
            // The pool's one connection is in holder's transaction: waiting's INSERT must wait for it.
            holder.setAutoCommit(false);
            hold.execute("SELECT 1");
            long held = HeldBuffers.mostHeldWhile(() -> {
                Thread inserting = Thread.ofPlatform().start(() -> {
                    try (PreparedStatement insert = waiting.prepareStatement("INSERT INTO blobs VALUES (?, ?)")) {
                        insert.setInt(1, 4);
                        insert.setBytes(2, value);
                        insert.executeUpdate();
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(1000);
                holder.commit();
                inserting.join();
            });
            assertStoredIntact(4);
            assertHeldLittle("a Bind that waited for a connection", held);
        }
    }

    @Test
    void aLargeBindThatGetsNoConnectionIsDroppedAndTheSessionGoesOn() throws Exception {
        byte[] smaller = java.util.Arrays.copyOf(value, 32 << 20);
        try (Connection holder = viaProxy(); Connection refused = viaProxy(); Statement hold = holder.createStatement()) {
            holder.setAutoCommit(false);
            hold.execute("SELECT 1");
            try (PreparedStatement insert = refused.prepareStatement("INSERT INTO blobs VALUES (?, ?)")) {
                insert.setInt(1, 5);
                insert.setBytes(2, smaller);
                SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, insert::executeUpdate);
                assertEquals("53300", e.getSQLState(), "no connection within acquire_timeout");
            }
            holder.commit();
            try (Statement s = refused.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM blobs WHERE id = 5")) {
                assertTrue(rs.next());
                assertEquals(0, rs.getInt(1), "the rest of the refused Bind was read and dropped, and the session goes on");
            }
        }
    }

    @Test
    void aClientThatLeavesInTheMiddleOfALargeBindLeavesNoHalfMessageOnAConnection() throws Exception {
        try (RawWireClient raw = loggedIn()) {
            byte[] parse = "\0INSERT INTO blobs VALUES ($1, $2)\0\0\0".getBytes(StandardCharsets.UTF_8);
            raw.sendTyped('P', parse);
            // Unnamed portal and statement, text formats, two values: "6", and SIZE bytes of which 8 MiB come.
            ByteBuffer head = ByteBuffer.allocate(5 + 2 + 2 + 2 + 5 + 4);
            head.put((byte) 'B').putInt(4 + 2 + 2 + 2 + 5 + 4 + SIZE + 2).put(new byte[] {0, 0})
                    .putShort((short) 0).putShort((short) 2).putInt(1).put((byte) '6').putInt(SIZE);
            raw.send(head.array());
            raw.send(java.util.Arrays.copyOf(value, 8 << 20));
            Thread.sleep(200);
        }
        // The pool's one connection got the start of a Bind whose end never came: the next session
        // must not get it, or its messages would be read as the rest of the value.
        try (Connection next = DriverManager.getConnection(Pgjdbc.url(proxy, "appdb", "socketTimeout=30"), "app", "");
             Statement s = next.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM blobs WHERE id = 6")) {
            assertTrue(rs.next());
            assertEquals(0, rs.getInt(1));
        }
    }

    @Test
    void aBindWhoseLayoutBreaksAfterMegabytesEndsTheSessionAndLeavesNoHalfMessage() throws Exception {
        try (RawWireClient raw = loggedIn()) {
            raw.sendTyped('P', "\0INSERT INTO blobs (data, id) VALUES ($1, $2)\0\0\0".getBytes(StandardCharsets.UTF_8));
            // Binary formats, two values: 1 MiB, then a length of 1000 with only 4 bytes and the result formats after it.
            int megabyte = 1 << 20;
            int bodyLength = 2 + 2 + 2 + 2 + 4 + megabyte + 4 + 4 + 2;
            ByteBuffer head = ByteBuffer.allocate(5 + 2 + 2 + 2 + 2 + 4);
            head.put((byte) 'B').putInt(4 + bodyLength).put(new byte[] {0, 0}).putShort((short) 1).putShort((short) 1)
                    .putShort((short) 2).putInt(megabyte);
            raw.send(head.array());
            raw.send(java.util.Arrays.copyOf(value, megabyte));
            raw.send(ByteBuffer.allocate(10).putInt(1000).putInt(7).putShort((short) 0).array());
            WireMessage error = raw.readUntil('E');
            assertEquals("FATAL", error.fields().get('S'));
            assertEquals("08P01", error.fields().get('C'));
            assertEquals("insufficient data left in message", error.fields().get('M'), "PostgreSQL's words, once the megabyte went on");
            assertTrue(raw.closedByServer());
        }
        try (Connection next = DriverManager.getConnection(Pgjdbc.url(proxy, "appdb", "socketTimeout=30"), "app", "");
             Statement s = next.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM blobs WHERE id = 7")) {
            assertTrue(rs.next());
            assertEquals(0, rs.getInt(1), "the connection that had the start of the Bind served no one after");
        }
    }

    // --- the checks ---

    private static void assertStoredIntact(int id) throws SQLException {
        try (Connection c = backend.direct();
             PreparedStatement check = c.prepareStatement("SELECT octet_length(data), encode(sha256(data), 'hex') FROM blobs WHERE id = ?")) {
            check.setInt(1, id);
            try (ResultSet rs = check.executeQuery()) {
                assertTrue(rs.next(), "row " + id + " was stored");
                assertEquals(SIZE, rs.getInt(1));
                assertEquals(valueSha256, rs.getString(2), "PostgreSQL's digest of what it stored");
            }
        }
    }

    private static void assertHeldLittle(String transfer, long held) {
        String figure = String.format("%s: pgsteer's buffers grew by at most %.1f MiB while %d MiB passed", transfer,
                held / 1048576.0, SIZE >> 20);
        System.out.println("LargeValueIT " + figure);
        assertTrue(held < MOST_HELD, figure + "; at most " + (MOST_HELD >> 20) + " MiB may be held");
    }

    private static RawWireClient loggedIn() throws IOException {
        RawWireClient raw = new RawWireClient(proxy.address());
        raw.sendStartup(196608, Map.of("user", "app", "database", "appdb"));
        raw.readUntil('Z');
        // A backend storing or reading hundreds of megabytes may take longer than the usual 10 s on a loaded machine.
        raw.readTimeout(120_000);
        return raw;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** The digest of a bytea's text form ({@code \x} and hex digits), read from the wire a block at a time. */
    private static String sha256OfHex(DataInputStream in, int textLength) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] prefix = new byte[2];
        in.readFully(prefix);
        assertEquals("\\x", new String(prefix, StandardCharsets.US_ASCII));
        byte[] hex = new byte[1 << 20];
        byte[] bytes = new byte[hex.length / 2];
        int left = textLength - 2;
        while (left > 0) {
            int n = Math.min(hex.length, left);
            in.readFully(hex, 0, n);
            for (int i = 0; i < n; i += 2) {
                bytes[i / 2] = (byte) (Character.digit(hex[i], 16) << 4 | Character.digit(hex[i + 1], 16));
            }
            digest.update(bytes, 0, n / 2);
            left -= n;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** COPY's binary output, digesting the one value it holds: {@code skip} bytes of header before it. */
    private static final class ValueDigest extends OutputStream {
        final MessageDigest digest;
        private long skip;
        long taken;

        ValueDigest(int skip) throws Exception {
            this.digest = MessageDigest.getInstance("SHA-256");
            this.skip = skip;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            int skipped = (int) Math.min(skip, len);
            skip -= skipped;
            int take = (int) Math.min(len - skipped, SIZE - taken);
            digest.update(b, off + skipped, take);
            taken += take;
        }
    }
}
