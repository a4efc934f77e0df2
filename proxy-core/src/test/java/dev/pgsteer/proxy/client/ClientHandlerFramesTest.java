package dev.pgsteer.proxy.client;

import static dev.pgsteer.proxy.testkit.RawBytes.concat;
import static dev.pgsteer.proxy.testkit.RawBytes.cstr;
import static dev.pgsteer.proxy.testkit.RawBytes.frame;
import static dev.pgsteer.proxy.testkit.RawBytes.i16;
import static dev.pgsteer.proxy.testkit.RawBytes.i32;
import static dev.pgsteer.proxy.testkit.RawBytes.startup;
import static dev.pgsteer.proxy.testkit.WireMessage.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.FrontDoor;
import dev.pgsteer.proxy.testkit.WireMessage;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
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
        server = FrontDoor.consoleServer("frames.yaml");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void logIn() {
        channel = FrontDoor.open(server);
        channel.writeInbound(Unpooled.wrappedBuffer(startup("user", "ops", "database", "pgsteer")));
        List<WireMessage> greeting = answers();
        assertEquals('Z', greeting.getLast().type(), "logged in: " + greeting);
    }

    @Test
    void aValidQueryIsAnswered() {
        channel.writeInbound(Unpooled.wrappedBuffer(frame('Q', cstr("SHOW VERSION"))));
        List<WireMessage> answers = answers();
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
        List<WireMessage> answers = answers();
        assertEquals('1', answers.getFirst().type(), "ParseComplete first: " + answers);
        assertFatal(answers.getLast(), "insufficient data left in message");
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
    }

    @Test
    void framesBeforeABadOneInTheSameReadAreAnsweredFirst() {
        channel.writeInbound(Unpooled.wrappedBuffer(concat(frame('Q', cstr("SHOW VERSION")), frame('S', i32(0)))));
        List<WireMessage> answers = answers();
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
        List<WireMessage> answers = answers();
        assertEquals(1, answers.size(), "only the error: " + answers);
        assertFatal(answers.getFirst(), message);
        channel.runPendingTasks();
        assertFalse(channel.isOpen(), "closed after the error");
    }

    private static void assertFatal(WireMessage error, String message) {
        assertEquals('E', error.type(), error.toString());
        Map<Character, String> fields = error.fields();
        assertEquals("FATAL", fields.get('V'));
        assertEquals("08P01", fields.get('C'));
        assertEquals(message, fields.get('M'));
    }

    private List<WireMessage> answers() {
        return WireMessage.readAll(channel);
    }
}
