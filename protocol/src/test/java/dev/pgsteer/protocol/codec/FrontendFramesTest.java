package dev.pgsteer.protocol.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Frames a client may send after login, each with PostgreSQL's verdict on it: valid, or the words
 * PostgreSQL refuses it with (postgres.c, fastpath.c, pqformat.c).
 */
class FrontendFramesTest {
    private static final String VALID = "valid";
    private static final String INVALID_STRING = "invalid string in message";
    private static final String INVALID_FORMAT = "invalid message format";
    private static final String INSUFFICIENT = "insufficient data left in message";

    static Stream<Arguments> frames() {
        return Stream.of(
                // Query: one string, ended by its NUL and by the message.
                row("a query", VALID, 'Q', cstr("SELECT 1")),
                row("an empty query", VALID, 'Q', cstr("")),
                row("a query without its NUL", INVALID_STRING, 'Q', text("SELECT 1")),
                row("an empty Query body", INVALID_STRING, 'Q'),
                row("bytes after a query's NUL (the first statement must not run)", INVALID_FORMAT, 'Q',
                        cstr("INSERT INTO ledger VALUES (1)"), cstr("garbage")),
                row("a NUL inside a query", INVALID_FORMAT, 'Q', cstr("SELECT 1"), cstr("; DROP TABLE ledger")),

                // Parse: name, query, parameter types.
                row("an unnamed Parse", VALID, 'P', cstr(""), cstr("SELECT $1"), i16(1), i32(23)),
                row("a named Parse without types", VALID, 'P', cstr("S_1"), cstr("SELECT 1"), i16(0)),
                row("a Parse whose name holds a NUL", INSUFFICIENT, 'P', cstr("a"), cstr("b"), cstr("SELECT 1"), i16(0)),
                row("a Parse whose query is cut short by a NUL", INSUFFICIENT, 'P', cstr(""), cstr("SELECT 1"),
                        cstr("; INSERT INTO ledger VALUES (1)"), i16(0)),
                row("a Parse without its type count", INSUFFICIENT, 'P', cstr(""), cstr("SELECT 1")),
                row("a Parse with fewer types than it counts", INSUFFICIENT, 'P', cstr(""), cstr("SELECT $1"), i16(2), i32(23)),
                row("a Parse with more types than it counts", INVALID_FORMAT, 'P', cstr(""), cstr("SELECT $1"), i16(1), i32(23), i32(25)),
                row("a Parse without a query", INVALID_STRING, 'P', cstr("S_1")),

                // Bind: names, parameter formats, values, result formats.
                row("a Bind of one text value", VALID, 'B', cstr(""), cstr(""), i16(0), i16(1), i32(2), text("42"), i16(0)),
                row("a Bind of a NULL", VALID, 'B', cstr("P_1"), cstr("S_1"), i16(1), i16(1), i16(1), i32(-1), i16(1), i16(1)),
                row("a Bind with one format for all values", VALID, 'B', cstr(""), cstr(""), i16(1), i16(0), i16(2),
                        i32(1), text("1"), i32(1), text("2"), i16(0)),
                row("a Bind of an empty value", VALID, 'B', cstr(""), cstr(""), i16(0), i16(1), i32(0), i16(0)),
                row("a Bind value of length -5 (not NULL)", INSUFFICIENT, 'B', cstr(""), cstr(""), i16(0), i16(1), i32(-5), i16(0)),
                row("a Bind value longer than the message", INSUFFICIENT, 'B', cstr(""), cstr(""), i16(0), i16(1), i32(9), text("42"), i16(0)),
                row("a Bind with two formats for three values", "bind message has 2 parameter formats but 3 parameters", 'B',
                        cstr(""), cstr(""), i16(2), i16(0), i16(0), i16(3), i32(-1), i32(-1), i32(-1), i16(0)),
                row("a Bind without result formats", INSUFFICIENT, 'B', cstr(""), cstr(""), i16(0), i16(0)),
                row("a Bind with fewer result formats than it counts", INSUFFICIENT, 'B', cstr(""), cstr(""), i16(0), i16(0), i16(2), i16(0)),
                row("bytes after a Bind", INVALID_FORMAT, 'B', cstr(""), cstr(""), i16(0), i16(0), i16(0), text("x")),
                row("a Bind whose statement name holds a NUL", INSUFFICIENT, 'B', cstr(""), cstr("S"), cstr("1"), i16(0), i16(0), i16(0)),
                row("a Bind without a statement name", INVALID_STRING, 'B', cstr("")),
                row("a Bind counting 65535 formats (unsigned)", INSUFFICIENT, 'B', cstr(""), cstr(""), i16(-1), i16(0)),

                // Describe and Close: a kind and a name.
                row("a Describe of a portal", VALID, 'D', text("P"), cstr("")),
                row("a Describe of a statement", VALID, 'D', text("S"), cstr("S_1")),
                row("an empty Describe", "no data left in message", 'D'),
                row("a Describe of another kind", "invalid DESCRIBE message subtype 88", 'D', text("X"), cstr("")),
                row("a Describe without a name", INVALID_STRING, 'D', text("S")),
                row("bytes after a Describe", INVALID_FORMAT, 'D', text("S"), cstr("a"), cstr("b")),
                row("a Close of a statement", VALID, 'C', text("S"), cstr("S_1")),
                row("a Close of another kind", "invalid CLOSE message subtype 0", 'C', i8(0), cstr("")),

                // Execute: a portal and a row limit.
                row("an Execute", VALID, 'E', cstr(""), i32(0)),
                row("an Execute with a row limit", VALID, 'E', cstr("C_1"), i32(1)),
                row("an Execute without its row limit", INSUFFICIENT, 'E', cstr("")),
                row("an Execute without a portal", INVALID_STRING, 'E'),
                row("bytes after an Execute", INVALID_FORMAT, 'E', cstr(""), i32(0), i8(0)),

                // Flush and Sync: nothing.
                row("a Sync", VALID, 'S'),
                row("a Flush", VALID, 'H'),
                row("a Sync with a body", INVALID_FORMAT, 'S', i8(0)),
                row("a Flush with a body", INVALID_FORMAT, 'H', i32(0)),

                // FunctionCall: an OID, argument formats and values, the result's format.
                row("a FunctionCall", VALID, 'F', i32(1598), i16(1), i16(0), i16(1), i32(1), text("3"), i16(0)),
                row("a FunctionCall of no arguments", VALID, 'F', i32(2622), i16(0), i16(0), i16(1)),
                row("a FunctionCall with a NULL", VALID, 'F', i32(1598), i16(0), i16(1), i32(-1), i16(0)),
                row("a FunctionCall argument of size -5", "invalid argument size -5 in function call message", 'F',
                        i32(1598), i16(0), i16(1), i32(-5), i16(0)),
                row("a FunctionCall with two formats for one argument",
                        "function call message contains 2 argument formats but 1 arguments", 'F',
                        i32(1598), i16(2), i16(0), i16(0), i16(1), i32(-1), i16(0)),
                row("a FunctionCall without its result format", INSUFFICIENT, 'F', i32(1598), i16(0), i16(0)),
                row("bytes after a FunctionCall", INVALID_FORMAT, 'F', i32(1598), i16(0), i16(0), i16(0), i8(7)),
                row("a FunctionCall cut in its OID", INSUFFICIENT, 'F', i16(0)),

                // COPY and Terminate: PostgreSQL reads no more of them than this.
                row("CopyData of anything", VALID, 'd', text("1\tone\n\0\377")),
                row("an empty CopyData", VALID, 'd'),
                row("a CopyDone", VALID, 'c'),
                row("a CopyDone with a body, which PostgreSQL does not read", VALID, 'c', text("x")),
                row("a CopyFail", VALID, 'f', cstr("cancelled")),
                row("a CopyFail without its NUL (outside COPY unread, inside it fails the COPY only)", VALID, 'f', text("cancelled")),
                row("a Terminate", VALID, 'X'),

                // Types that are no message of a logged-in session.
                row("type z", "invalid frontend message type 122", 'z', cstr("INSERT INTO ledger VALUES (1)")),
                row("type NUL", "invalid frontend message type 0", '\0'),
                row("type A", "invalid frontend message type 65", 'A', i32(0)),
                row("a password message after login", "invalid frontend message type 112", 'p', cstr("secret")),
                row("type 0xff", "invalid frontend message type 255", '\u00ff'));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("frames")
    void verdict(String what, String expected, byte[] frame) {
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        Verdict verdict = FrontendFrames.check(new Frame(buf));
        assertEquals(expected, switch (verdict) {
            case Verdict.Valid valid -> VALID;
            case Verdict.ProtocolViolation violation -> violation.message();
        }, what);
        assertEquals(0, buf.readerIndex(), "the check moves no index");
    }

    @Test
    void aSmallTypeLongerThanPostgresAllowsIsAnInvalidLength() {
        byte[] name = new byte[FrontendFrames.SMALL_MESSAGE_LIMIT];
        java.util.Arrays.fill(name, (byte) 'a');
        name[name.length - 1] = 0;
        Verdict verdict = FrontendFrames.check(new Frame(Unpooled.wrappedBuffer(frame('E', name, i32(0)))));
        assertEquals(new Verdict.ProtocolViolation("invalid message length"), verdict);
        // A Query has no such limit.
        assertSame(Verdict.Valid.FRAME, FrontendFrames.check(new Frame(Unpooled.wrappedBuffer(frame('Q', name)))));
    }

    @Test
    void aLengthWordThatDisagreesWithTheFrameIsAnInvalidLength() {
        byte[] sync = frame('S');
        sync[4] = 5;
        assertEquals(new Verdict.ProtocolViolation("invalid message length"),
                FrontendFrames.check(Unpooled.wrappedBuffer(sync), 0, sync.length));
    }

    @Test
    void aFrameInsideALargerBufferIsCheckedBetweenItsBounds() {
        byte[] stream = concat(frame('Q', cstr("SELECT 1")), frame('S'));
        ByteBuf buf = Unpooled.wrappedBuffer(stream);
        int queryEnd = stream.length - 5;
        assertSame(Verdict.Valid.FRAME, FrontendFrames.check(buf, 0, queryEnd));
        assertSame(Verdict.Valid.FRAME, FrontendFrames.check(buf, queryEnd, stream.length));
    }

    @Test
    void passwordMessagesAreFrontendTypesButNoSessionType() {
        assertTrue(FrontendFrames.isFrontendType((byte) 'p'));
        assertFalse(FrontendFrames.isSessionType((byte) 'p'));
        for (char type : "QPBDECHSFXdcf".toCharArray()) {
            assertTrue(FrontendFrames.isSessionType((byte) type), String.valueOf(type));
        }
        for (int type = 0; type < 256; type++) {
            if ("QPBDECHSFXdcfp".indexOf(type) < 0) {
                assertFalse(FrontendFrames.isFrontendType((byte) type), String.valueOf(type));
            }
        }
    }

    // --- fixtures ---

    private static Arguments row(String what, String expected, char type, byte[]... fields) {
        return Arguments.of(what, expected, frame(type, fields));
    }

    static byte[] frame(char type, byte[]... fields) {
        byte[] body = concat(fields);
        return concat(new byte[] {(byte) type}, i32(4 + body.length), body);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] cstr(String text) {
        return concat(text(text), new byte[] {0});
    }

    static byte[] text(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] i8(int value) {
        return new byte[] {(byte) value};
    }

    static byte[] i16(int value) {
        return new byte[] {(byte) (value >>> 8), (byte) value};
    }

    static byte[] i32(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }
}
