package dev.pgsteer.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StatementFramesTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static Frame frame(char type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(type).writeInt(4 + bytes.length).writeBytes(bytes);
        return new Frame(buf);
    }

    private static String bytes(ByteBuf buf) {
        try {
            return new String(ByteBufUtil.getBytes(buf), StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    @Test
    void aRenamedParseKeepsItsQueryAndTypes() {
        Frame parse = frame('P', "S_1\0SELECT $1\0\0\1\0\0\0\u0017");
        assertEquals("S_1", StatementFrames.parseName(parse));
        assertEquals(bytes(frame('P', "pgsteer_x\0SELECT $1\0\0\1\0\0\0\u0017").content()),
                bytes(StatementFrames.renameParse(ALLOC, parse, "pgsteer_x")));
        assertEquals(0, parse.refCnt());
    }

    @Test
    void unnamedStatementsAreToldWithoutDecodingNames() {
        Frame unnamedParse = frame('P', "\0SELECT 1\0\0\0");
        Frame namedParse = frame('P', "S_1\0SELECT 1\0\0\0");
        Frame unnamedBind = frame('B', "C_1\0\0\0\0\0\0\0\0");
        Frame namedBind = frame('B', "\0S_1\0\0\0\0\0\0\0");
        assertEquals(true, StatementFrames.parsesUnnamed(unnamedParse));
        assertEquals(false, StatementFrames.parsesUnnamed(namedParse));
        assertEquals(true, StatementFrames.bindsUnnamed(unnamedBind));
        assertEquals(false, StatementFrames.bindsUnnamed(namedBind));
        for (Frame f : new Frame[] {unnamedParse, namedParse, unnamedBind, namedBind}) {
            f.release();
        }
    }

    @Test
    void theUnnamedPortalIsToldWithoutDecodingNames() {
        Frame namedPortal = frame('B', "C_1\0\0\0\0\0\0\0\0");
        Frame unnamedPortal = frame('B', "\0S_1\0\0\0\0\0\0\0");
        Frame execute = frame('E', "\0\0\0\0\0");
        Frame executeNamed = frame('E', "C_1\0\0\0\0\0");
        assertEquals(false, StatementFrames.namesUnnamedPortal(namedPortal));
        assertEquals(true, StatementFrames.namesUnnamedPortal(unnamedPortal));
        assertEquals(true, StatementFrames.namesUnnamedPortal(execute));
        assertEquals(false, StatementFrames.namesUnnamedPortal(executeNamed));
        for (Frame f : new Frame[] {namedPortal, unnamedPortal, execute, executeNamed}) {
            f.release();
        }
    }

    @Test
    void aParseIsRebuiltFromItsTail() {
        Frame parse = frame('P', "S_1\0SELECT 1\0\0\0");
        byte[] tail = ByteBufUtil.getBytes(StatementFrames.parseTail(parse));
        parse.release();
        assertArrayEquals("SELECT 1\0\0\0".getBytes(StandardCharsets.UTF_8), tail);
        assertEquals(bytes(frame('P', "p\0SELECT 1\0\0\0").content()), bytes(StatementFrames.parse(ALLOC, "p", tail)));
    }

    @Test
    void aRenamedBindKeepsPortalAndValues() {
        Frame bind = frame('B', "C_1\0S_1\0\0\0\0\1\0\0\0\u00022a\0\0");
        assertEquals("S_1", StatementFrames.bindStatement(bind));
        assertEquals(bytes(frame('B', "C_1\0pgsteer_x\0\0\0\0\1\0\0\0\u00022a\0\0").content()),
                bytes(StatementFrames.renameBind(ALLOC, bind, "pgsteer_x")));
    }

    @Test
    void theHeadOfAStreamedBindIsRenamedAndItsLengthStillCountsTheRest() {
        // 'B' | len | "C_1\0S_1\0" | 0 formats | 1 value | int32 100 | the first 4 of its 100 bytes ...
        ByteBuf head = Unpooled.buffer();
        head.writeByte('B').writeInt(4 + 8 + 2 + 2 + 4 + 100 + 2).writeBytes("C_1\0S_1\0".getBytes(StandardCharsets.US_ASCII))
                .writeShort(0).writeShort(1).writeInt(100).writeBytes(new byte[] {1, 2, 3, 4});
        FrameHead bind = new FrameHead(head, 96 + 2);
        assertEquals("S_1", StatementFrames.bindStatement(bind));
        ByteBuf renamed = StatementFrames.renameBind(ALLOC, bind, "pgsteer_x");
        assertEquals(4 + 14 + 2 + 2 + 4 + 100 + 2, renamed.getInt(1), "the length of the whole renamed message");
        assertEquals(1 + 4 + 14 + 2 + 2 + 4 + 4, renamed.readableBytes(), "the head: the names, and the bytes the old head had");
        assertEquals("C_1\0pgsteer_x\0", bytes(renamed.retainedSlice(5, 14)));
        renamed.release();
        assertEquals(0, bind.refCnt(), "the renamed head shared the old one's bytes, and freed them");
    }

    @Test
    void describeAndCloseNameTheirTarget() {
        Frame describe = frame('D', "SS_1\0");
        assertEquals('S', StatementFrames.targetKind(describe));
        assertEquals("S_1", StatementFrames.targetName(describe));
        describe.release();
        assertEquals(bytes(frame('C', "Spgsteer_x\0").content()),
                bytes(StatementFrames.target(ALLOC, StatementFrames.CLOSE, StatementFrames.STATEMENT, "pgsteer_x")));
    }

    @Test
    void anExecutesRowLimitIsReadAfterItsPortalNamesNulWhateverTheNamesBytes() {
        Frame execute = new Frame(Unpooled.buffer().writeByte('E').writeInt(4 + 3 + 4)
                .writeByte(0xff).writeByte(0xfe).writeByte(0).writeInt(7));
        assertEquals(7, StatementFrames.executeMaxRows(execute));
        execute.release();
    }
}
