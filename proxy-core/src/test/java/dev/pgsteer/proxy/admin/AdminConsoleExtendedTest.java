package dev.pgsteer.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.client.ClientHandler;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.FrontDoor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's side of the extended protocol, byte for byte, on an EmbeddedChannel with the real
 * ClientHandler and server context: what pgjdbc sends (Parse, Bind, Describe, Execute, Sync), and the
 * errors of names that do not exist, after which the batch is skipped up to its Sync.
 */
class AdminConsoleExtendedTest {
    private static PgSteerServer server;
    private EmbeddedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        server = new PgSteerServer(ConfigLoader.parse("""
                listen: 127.0.0.1:0
                http: off
                auth: trust
                users:
                  ops: { password: x, admin: true }
                backends:
                  main: { url: "postgresql://app:secret@127.0.0.1:1/app" }
                databases:
                  app: { shards: [main] }
                """, "console.yaml", Map.of())).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void logIn() {
        channel = FrontDoor.open(server);
        byte[] parameters = concat(cstr("user"), cstr("ops"), cstr("database"), cstr("pgsteer"), new byte[] {0});
        send(concat(i32(8 + parameters.length), i32(3 << 16), parameters));
        assertEquals('Z', answers().getLast().type());
    }

    @Test
    void showPoolsAsPgjdbcSendsIt() {
        send(parse("", "SHOW POOLS"), bind("", "", 0), describe('P', ""), execute(""), sync());
        List<Message> answers = answers();
        // ParseComplete, BindComplete, RowDescription, no pool made yet, CommandComplete, ReadyForQuery.
        assertEquals("12TCZ", types(answers));
        assertEquals(13, answers.get(2).int16(0), "SHOW POOLS has 13 columns");
        assertEquals("SHOW", answers.get(3).text());
        assertEquals("I", answers.get(4).text());
    }

    @Test
    void aRowInTextAndInBinary() {
        send(parse("", "SHOW VERSION"), bind("", "", 1), execute(""), sync());
        List<Message> answers = answers();
        assertEquals("12DCZ", types(answers));
        assertTrue(answers.get(2).text().contains("pgsteer"), answers.get(2).text());
    }

    @Test
    void describingAStatementTellsItsParametersAndColumns() {
        send(parse("s", "SHOW VERSION"), describe('S', "s"), describe('S', "s"), close('S', "s"), sync());
        assertEquals("1tTtT3Z", types(answers()));
    }

    @Test
    void anUnknownStatementIs26000AndTheBatchIsSkippedToItsSync() {
        send(bind("", "nope", 0), execute(""), sync(), parse("", "SHOW VERSION"), sync());
        List<Message> answers = answers();
        assertEquals("EZ1Z", types(answers));
        assertEquals("26000", answers.getFirst().field('C'));
        assertEquals("prepared statement \"nope\" does not exist", answers.getFirst().field('M'));
    }

    @Test
    void anUnknownPortalIs34000() {
        send(execute("nope"), sync());
        List<Message> answers = answers();
        assertEquals("EZ", types(answers));
        assertEquals("34000", answers.getFirst().field('C'));
        assertEquals("portal \"nope\" does not exist", answers.getFirst().field('M'));
    }

    @Test
    void describingAnUnknownPortalIs34000AndAnUnknownStatement26000() {
        send(describe('P', "c"), sync(), describe('S', "s"), sync());
        List<Message> answers = answers();
        assertEquals("EZEZ", types(answers));
        assertEquals("34000", answers.get(0).field('C'));
        assertEquals("26000", answers.get(2).field('C'));
    }

    @Test
    void theSyncClosesThePortals() {
        send(parse("", "SHOW VERSION"), bind("c", "", 0), sync(), execute("c"), sync());
        List<Message> answers = answers();
        assertEquals("12ZEZ", types(answers));
        assertEquals("34000", answers.get(3).field('C'));
    }

    @Test
    void aNamedStatementIsPreparedOnce() {
        send(parse("s", "SHOW VERSION"), parse("s", "SHOW POOLS"), sync());
        List<Message> answers = answers();
        assertEquals("1EZ", types(answers));
        assertEquals("42P05", answers.get(1).field('C'));
    }

    @Test
    void sqlIsRefusedAtItsParse() {
        send(parse("", "SELECT 1"), bind("", "", 0), sync());
        List<Message> answers = answers();
        assertEquals("EZ", types(answers));
        assertEquals("0A000", answers.getFirst().field('C'));
    }

    // --- what the client sends ---

    private void send(byte[]... frames) {
        channel.writeInbound(Unpooled.wrappedBuffer(concat(frames)));
    }

    private static byte[] parse(String name, String sql) {
        return frame('P', cstr(name), cstr(sql), i16(0));
    }

    /** A Bind without parameters, with {@code resultFormats} formats, all binary. */
    private static byte[] bind(String portal, String statement, int resultFormats) {
        byte[] formats = new byte[2 * resultFormats];
        for (int i = 0; i < resultFormats; i++) {
            formats[2 * i + 1] = 1;
        }
        return frame('B', cstr(portal), cstr(statement), i16(0), i16(0), i16(resultFormats), formats);
    }

    private static byte[] describe(char kind, String name) {
        return frame('D', new byte[] {(byte) kind}, cstr(name));
    }

    private static byte[] close(char kind, String name) {
        return frame('C', new byte[] {(byte) kind}, cstr(name));
    }

    private static byte[] execute(String portal) {
        return frame('E', cstr(portal), i32(0));
    }

    private static byte[] sync() {
        return frame('S');
    }

    private static byte[] frame(char type, byte[]... fields) {
        byte[] body = concat(fields);
        return concat(new byte[] {(byte) type}, i32(4 + body.length), body);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] cstr(String text) {
        return concat(text.getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    private static byte[] i16(int value) {
        return new byte[] {(byte) (value >>> 8), (byte) value};
    }

    private static byte[] i32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    // --- what the console answers ---

    private record Message(char type, byte[] body) {
        int int16(int at) {
            return ((body[at] & 0xff) << 8) | (body[at + 1] & 0xff);
        }

        /** The body as text, without the NULs (a CommandComplete's tag, a ReadyForQuery's status, a DataRow's cells). */
        String text() {
            return new String(body, StandardCharsets.UTF_8).replace("\0", "");
        }

        /** A field of an ErrorResponse. */
        String field(char code) {
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char field = (char) body[i++];
                int end = i;
                while (body[end] != 0) {
                    end++;
                }
                if (field == code) {
                    return new String(body, i, end - i, StandardCharsets.UTF_8);
                }
                i = end + 1;
            }
            return null;
        }
    }

    private List<Message> answers() {
        channel.runPendingTasks();
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            buf.release();
            written.writeBytes(bytes);
        }
        ByteBuffer in = ByteBuffer.wrap(written.toByteArray());
        List<Message> messages = new ArrayList<>();
        while (in.hasRemaining()) {
            char type = (char) in.get();
            byte[] body = new byte[in.getInt() - 4];
            in.get(body);
            messages.add(new Message(type, body));
        }
        return messages;
    }

    private static String types(List<Message> messages) {
        StringBuilder types = new StringBuilder();
        messages.forEach(m -> types.append(m.type()));
        return types.toString();
    }
}
