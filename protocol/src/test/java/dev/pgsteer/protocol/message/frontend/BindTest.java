package dev.pgsteer.protocol.message.frontend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static dev.pgsteer.protocol.message.Fixtures.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class BindTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /**
     * 'B' | "C_1\0" | "S_1\0" | int16 3 formats: text, binary, binary | int16 3 values: "42", NULL, 0x0007
     * | int16 2 result formats: binary, text.
     */
    private static final String BODY = "C_1\0S_1\0" + "\0\3\0\0\0\1\0\1" + "\0\3" + "\0\0\0\u000242" + "\u00ff\u00ff\u00ff\u00ff"
            + "\0\0\0\2\0\7" + "\0\2\0\1\0\0";

    @Test
    void readsNamesValuesAndFormats() {
        Frame frame = frame('B', BODY);
        Bind bind = Bind.of(frame);
        assertEquals("C_1", bind.portal());
        assertEquals("S_1", bind.statement());
        assertEquals(3, bind.parameterFormatCount());
        assertEquals(Bind.TEXT, bind.parameterFormat(0));
        assertEquals(Bind.BINARY, bind.parameterFormat(1));
        assertEquals(3, bind.valueCount());
        assertEquals("42", text(bind.value(0)));
        assertTrue(bind.isNull(1));
        assertNull(bind.value(1));
        assertEquals("\0\7", text(bind.value(2)));
        assertArrayEquals(new short[] {1, 0}, bind.resultFormats());
        assertEquals(Bind.BINARY, bind.resultFormat(0));
        frame.release();
    }

    @Test
    void noFormatMeansTextAndOneFormatCoversAll() {
        Frame none = frame('B', "\0\0\0\0\0\1\0\0\0\u00011\0\0");
        assertEquals(Bind.TEXT, Bind.of(none).parameterFormat(0));
        assertEquals(Bind.TEXT, Bind.of(none).resultFormat(5));
        assertTrue(Bind.of(none).bindsUnnamed());
        none.release();
        Frame one = frame('B', "\0\0\0\1\0\1\0\2\0\0\0\1a\0\0\0\1b\0\1\0\1");
        assertEquals(Bind.BINARY, Bind.of(one).parameterFormat(1));
        assertEquals(Bind.BINARY, Bind.of(one).resultFormat(3));
        one.release();
    }

    @Test
    void otherResultFormatsShareTheValues() {
        Frame frame = frame('B', BODY);
        ByteBuf rewritten = Bind.of(frame).withResultFormats(ALLOC, new short[] {1});
        assertEquals(message('B', BODY.substring(0, BODY.length() - 6) + "\0\1\0\1"), bytes(rewritten));
        assertEquals(0, frame.refCnt());
    }

    @Test
    void hiddenColumnsGetTextFormatsOnlyWhenEachColumnHasOne() {
        Frame perColumn = frame('B', BODY);
        assertEquals(message('B', BODY.substring(0, BODY.length() - 6) + "\0\4\0\1\0\0\0\0\0\0"),
                bytes(Bind.of(perColumn).withHiddenColumns(ALLOC, 2)));
        Frame forAll = frame('B', "\0\0\0\0\0\0\0\1\0\1");
        ByteBuf content = forAll.content();
        assertSame(content, Bind.of(forAll).withHiddenColumns(ALLOC, 2), "one format for all covers the hidden columns too");
        content.release();
    }

    @Test
    void aBindWithOneResultFormatPerColumnGetsTextFormatsForTheHiddenOnes() {
        ByteBuf bind = Unpooled.buffer();
        int length = Wire.beginMessage(bind, 'B');
        Wire.writeCString(bind, "");
        Wire.writeCString(bind, "S_1");
        bind.writeShort(1).writeShort(1).writeShort(1).writeInt(4).writeInt(7).writeShort(2).writeShort(1).writeShort(0);
        Wire.endMessage(bind, length);

        ByteBuf wider = Bind.of(new Frame(bind)).withHiddenColumns(ALLOC, 2);

        // 'B' | len 33 | "" | "S_1" | 1 format: binary | 1 parameter: int4 7 | 4 result formats: binary, text, text, text
        assertEquals("4200000021" + "00" + "535f3100" + "0001" + "0001" + "0001" + "00000004" + "00000007"
                + "0004" + "0001" + "0000" + "0000" + "0000", ByteBufUtil.hexDump(wider));
        wider.release();
    }

    @Test
    void aValueIsReadAsTextOrBytesWithoutASlice() {
        Frame frame = frame('B', BODY);
        Bind bind = Bind.of(frame);
        assertEquals("42", bind.text(0));
        assertNull(bind.text(1));
        assertNull(bind.bytes(1));
        assertArrayEquals(new byte[] {0, 7}, bind.bytes(2));
        frame.release();
    }

    @Test
    void aRebindKeepsTheChosenValuesWithTheirFormats() {
        Frame frame = frame('B', BODY);
        // Values 3 and 1, in that order, bound to the unnamed statement.
        String expected = "C_1\0\0" + "\0\2\0\1\0\0" + "\0\2" + "\0\0\0\2\0\7" + "\0\0\0\u000242" + "\0\2\0\1\0\0";
        assertEquals(message('B', expected), bytes(Bind.of(frame).rebind(ALLOC, "", new int[] {3, 1})));
        frame.release();
    }

    @Test
    void aValueLongerThanItsMessageIsRefused() {
        Frame frame = frame('B', "\0\0\0\0\0\1\0\0\0\u00091\0\0");
        assertThrows(ProtocolViolationException.class, () -> Bind.of(frame).value(0));
        frame.release();
    }
}
