package dev.pgsteer.proxy.admin;

import static dev.pgsteer.proxy.testkit.RawBytes.concat;
import static dev.pgsteer.proxy.testkit.RawBytes.cstr;
import static dev.pgsteer.proxy.testkit.RawBytes.frame;
import static dev.pgsteer.proxy.testkit.RawBytes.i16;
import static dev.pgsteer.proxy.testkit.RawBytes.i32;
import static dev.pgsteer.proxy.testkit.RawBytes.startup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.FrontDoor;
import dev.pgsteer.proxy.testkit.WireMessage;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
        server = FrontDoor.consoleServer("console.yaml");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void logIn() {
        channel = FrontDoor.open(server);
        send(startup("user", "ops", "database", "pgsteer"));
        assertEquals('Z', answers().getLast().type());
    }

    @Test
    void showPoolsAsPgjdbcSendsIt() {
        send(parse("", "SHOW POOLS"), bind("", "", 0), describe('P', ""), execute(""), sync());
        List<WireMessage> answers = answers();
        // ParseComplete, BindComplete, RowDescription, no pool made yet, CommandComplete, ReadyForQuery.
        assertEquals("12TCZ", WireMessage.types(answers));
        assertEquals(13, int16(answers.get(2), 0), "SHOW POOLS has 13 columns");
        assertEquals("SHOW", text(answers.get(3)));
        assertEquals("I", text(answers.get(4)));
    }

    @Test
    void aRowInTextAndInBinary() {
        send(parse("", "SHOW VERSION"), bind("", "", 1), execute(""), sync());
        List<WireMessage> answers = answers();
        assertEquals("12DCZ", WireMessage.types(answers));
        assertTrue(text(answers.get(2)).contains("pgsteer"), text(answers.get(2)));
    }

    @Test
    void describingAStatementTellsItsParametersAndColumns() {
        send(parse("s", "SHOW VERSION"), describe('S', "s"), describe('S', "s"), close('S', "s"), sync());
        assertEquals("1tTtT3Z", WireMessage.types(answers()));
    }

    @Test
    void anUnknownStatementIs26000AndTheBatchIsSkippedToItsSync() {
        send(bind("", "nope", 0), execute(""), sync(), parse("", "SHOW VERSION"), sync());
        List<WireMessage> answers = answers();
        assertEquals("EZ1Z", WireMessage.types(answers));
        assertEquals("26000", answers.getFirst().fields().get('C'));
        assertEquals("prepared statement \"nope\" does not exist", answers.getFirst().fields().get('M'));
    }

    @Test
    void anUnknownPortalIs34000() {
        send(execute("nope"), sync());
        List<WireMessage> answers = answers();
        assertEquals("EZ", WireMessage.types(answers));
        assertEquals("34000", answers.getFirst().fields().get('C'));
        assertEquals("portal \"nope\" does not exist", answers.getFirst().fields().get('M'));
    }

    @Test
    void describingAnUnknownPortalIs34000AndAnUnknownStatement26000() {
        send(describe('P', "c"), sync(), describe('S', "s"), sync());
        List<WireMessage> answers = answers();
        assertEquals("EZEZ", WireMessage.types(answers));
        assertEquals("34000", answers.get(0).fields().get('C'));
        assertEquals("26000", answers.get(2).fields().get('C'));
    }

    @Test
    void theSyncClosesThePortals() {
        send(parse("", "SHOW VERSION"), bind("c", "", 0), sync(), execute("c"), sync());
        List<WireMessage> answers = answers();
        assertEquals("12ZEZ", WireMessage.types(answers));
        assertEquals("34000", answers.get(3).fields().get('C'));
    }

    @Test
    void aNamedStatementIsPreparedOnce() {
        send(parse("s", "SHOW VERSION"), parse("s", "SHOW POOLS"), sync());
        List<WireMessage> answers = answers();
        assertEquals("1EZ", WireMessage.types(answers));
        assertEquals("42P05", answers.get(1).fields().get('C'));
    }

    @Test
    void sqlIsRefusedAtItsParse() {
        send(parse("", "SELECT 1"), bind("", "", 0), sync());
        List<WireMessage> answers = answers();
        assertEquals("EZ", WireMessage.types(answers));
        assertEquals("0A000", answers.getFirst().fields().get('C'));
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

    // --- what the console answers ---

    private List<WireMessage> answers() {
        return WireMessage.readAll(channel);
    }

    /** The int16 at {@code at} of a message's body (a RowDescription's column count). */
    private static int int16(WireMessage message, int at) {
        return ((message.body()[at] & 0xff) << 8) | (message.body()[at + 1] & 0xff);
    }

    /** The body as text, without the NULs (a CommandComplete's tag, a ReadyForQuery's status, a DataRow's cells). */
    private static String text(WireMessage message) {
        return new String(message.body(), StandardCharsets.UTF_8).replace("\0", "");
    }
}
