package dev.pgsteer.protocol.message.frontend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static dev.pgsteer.protocol.message.Fixtures.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class ParseTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    @Test
    void readsNameQueryAndDeclaredTypes() {
        // 'P' | "S_1\0" | "SELECT $1, $2\0" | int16 2 | int32 23 | int32 0
        Frame frame = frame('P', "S_1\0SELECT $1, $2\0\0\2\0\0\0\u0017\0\0\0\0");
        Parse parse = Parse.of(frame);
        assertEquals("S_1", parse.name());
        assertFalse(parse.unnamed());
        assertEquals("SELECT $1, $2", parse.query());
        assertEquals(2, parse.parameterTypeCount());
        assertEquals(23, parse.parameterType(0));
        assertEquals(0, parse.parameterType(1));
        assertEquals("SELECT $1, $2\0\0\2\0\0\0\u0017\0\0\0\0", text(parse.tail()));
        frame.release();
    }

    @Test
    void theUnnamedStatementIsToldWithoutDecoding() {
        Frame frame = frame('P', "\0SELECT 1\0\0\0");
        assertTrue(Parse.of(frame).unnamed());
        assertEquals(0, Parse.of(frame).parameterTypeCount());
        frame.release();
    }

    @Test
    void encodesWhatItReads() {
        assertEquals(message('P', "p\0SELECT $1\0\0\1\0\0\0\u0011"), bytes(Parse.encode(ALLOC, "p", "SELECT $1", 17)));
        assertEquals(message('P', "p\0SELECT 1\0\0\0"), bytes(Parse.encode(ALLOC, "p", "SELECT 1\0\0\0".getBytes())));
    }

    @Test
    void aRenamedParseSharesItsTailAndConsumesTheFrame() {
        Frame frame = frame('P', "S_1\0SELECT 1\0\0\0");
        assertEquals(message('P', "pgsteer_x\0SELECT 1\0\0\0"), bytes(Parse.of(frame).renamed(ALLOC, "pgsteer_x")));
        assertEquals(0, frame.refCnt());
    }

    @Test
    void withQueryKeepsTheNameAndTheDeclaredTypes() {
        Frame frame = frame('P', "s\0LISTEN jobs\0\0\1\0\0\0\u0019");
        assertEquals(message('P', "s\0LISTEN t_acme_jobs\0\0\1\0\0\0\u0019"),
                bytes(Parse.of(frame).withQuery(ALLOC, "LISTEN t_acme_jobs".getBytes())));
        frame.release();
    }

    @Test
    void aFrameOfAnotherTypeIsNoParse() {
        Frame frame = frame('B', "\0\0\0\0\0\0\0\0");
        assertThrows(IllegalArgumentException.class, () -> Parse.of(frame));
        frame.release();
    }
}
