package dev.pgsteer.proxy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.server.RelayFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The check of a logged-in session's frames, at the handler where they reach the session: a frame
 * PostgreSQL would refuse never reaches one, and ends the connection with FATAL 08P01 in PostgreSQL's
 * words. Shown on the admin console, a session that needs no backend.
 */
class ClientHandlerFramesTest {
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
                """, "frames.yaml", Map.of())).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void logIn() {
        channel = new EmbeddedChannel(PgFrameDecoder.forClients(PgFrameDecoder.MAX_STARTUP_PACKET),
                PgMessageEncoder.INSTANCE, new ClientHandler(server.context(), new RelayFactory(server.context())));
        channel.writeInbound(Unpooled.wrappedBuffer(startup("ops", "pgsteer")));
        List<Message> greeting = answers();
        assertEquals('Z', greeting.getLast().type(), "logged in: " + greeting);
    }

    @Test
    void aValidQueryIsAnswered() {
        channel.writeInbound(Unpooled.wrappedBuffer(frame('Q', cstr("SHOW VERSION"))));
        List<Message> answers = answers();
        assertEquals("TDCZ", types(answers));
        assertTrue(channel.isOpen());
    }

    @Test
    void bytesAfterAQuerysNulEndTheSessionBeforeItsStatementRuns() {
        channel.writeInbound(Unpooled.wrappedBuffer(frame('Q', cstr("SHOW VERSION"), cstr("garbage"))));
        assertRefused("invalid message format");
    }

    @Test
    void anUnknownTypeEndsTheSession() {
        channel.writeInbound(Unpooled.wrappedBuffer(frame('z', cstr("SHOW VERSION"))));
        assertRefused("invalid frontend message type 122");
    }

    @Test
    void aBindValueOfLengthMinusFiveEndsTheSession() {
        channel.writeInbound(Unpooled.wrappedBuffer(concat(
                frame('P', cstr(""), cstr("SHOW VERSION"), i16(0)),
                frame('B', cstr(""), cstr(""), i16(0), i16(1), i32(-5), i16(0)),
                frame('S'))));
        // The Parse before it was handled; the Bind is refused, and the Sync after it is not read.
        List<Message> answers = answers();
        assertEquals('1', answers.getFirst().type(), "ParseComplete first: " + answers);
        assertFatal(answers.getLast(), "insufficient data left in message");
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
    }

    @Test
    void framesBeforeABadOneInTheSameReadAreAnsweredFirst() {
        channel.writeInbound(Unpooled.wrappedBuffer(concat(frame('Q', cstr("SHOW VERSION")), frame('S', i32(0)))));
        List<Message> answers = answers();
        assertEquals("TDCZE", types(answers));
        assertFatal(answers.getLast(), "invalid message format");
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
    }

    @Test
    void aPasswordMessageAfterLoginIsNoMessageOfASession() {
        channel.writeInbound(Unpooled.wrappedBuffer(frame('p', cstr("x"))));
        assertRefused("invalid frontend message type 112");
    }

    private void assertRefused(String message) {
        List<Message> answers = answers();
        assertEquals(1, answers.size(), "only the error: " + answers);
        assertFatal(answers.getFirst(), message);
        channel.runPendingTasks();
        assertFalse(channel.isOpen(), "closed after the error");
    }

    private static void assertFatal(Message error, String message) {
        assertEquals('E', error.type(), error.toString());
        Map<Character, String> fields = error.fields();
        assertEquals("FATAL", fields.get('V'));
        assertEquals("08P01", fields.get('C'));
        assertEquals(message, fields.get('M'));
    }

    // --- what the channel wrote ---

    private record Message(char type, byte[] body) {
        Map<Character, String> fields() {
            Map<Character, String> fields = new LinkedHashMap<>();
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char code = (char) body[i++];
                int end = i;
                while (body[end] != 0) {
                    end++;
                }
                fields.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
                i = end + 1;
            }
            return fields;
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

    // --- what the client sends ---

    private static byte[] startup(String user, String database) {
        byte[] parameters = concat(cstr("user"), cstr(user), cstr("database"), cstr(database), new byte[] {0});
        return concat(i32(8 + parameters.length), i32(3 << 16), parameters);
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
}
