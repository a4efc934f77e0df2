package dev.pgsteer.proxy.sharding.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/**
 * A DataRow in binary result format becomes a tuple of the binary COPY format by its type byte. The
 * fixtures are PostgreSQL 15's own bytes for {@code SELECT 7::int4, NULL::text, 'ab'::text, 1.5::numeric}:
 * the DataRow's body in binary result format, and what {@code COPY (...) TO STDOUT (FORMAT binary)}
 * sent for the same query (header, the tuple, trailer).
 */
class RowsAsCopyTest {
    static final String ROW = "0004" + "00000004" + "00000007" + "ffffffff" + "00000002" + "6162"
            + "0000000c" + "000200000000000100011388";
    static final String COPY_STREAM = "5047434f50590aff0d0a00" + "00000000" + "00000000" + ROW + "ffff";

    final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    @Test
    void aDataRowIsACopyDataOfTheSameBodyInTheSameBuffer() {
        ByteBuf whole = frame('D', ROW);
        ByteBuf copyData = RowsAsCopy.copyData(new Frame(whole), alloc);
        assertSame(whole, copyData, "the body is neither copied nor moved");
        assertEquals(hex('d', ROW), ByteBufUtil.hexDump(copyData));
        copyData.release();
        assertEquals(0, whole.refCnt());
    }

    @Test
    void aReadOnlyDataRowGetsANewHeaderBeforeItsBody() {
        ByteBuf whole = frame('D', ROW);
        ByteBuf copyData = RowsAsCopy.copyData(new Frame(whole.asReadOnly()), alloc);
        assertEquals(hex('d', ROW), ByteBufUtil.hexDump(copyData));
        copyData.release();
        assertEquals(0, whole.refCnt());
    }

    @Test
    void headerRowsAndTrailerAreWhatPostgresqlsCopySends() {
        ByteBuf stream = Unpooled.buffer();
        ByteBuf header = RowsAsCopy.header(alloc);
        ByteBuf row = RowsAsCopy.copyData(new Frame(frame('D', ROW)), alloc);
        ByteBuf trailer = RowsAsCopy.trailer(alloc);
        for (ByteBuf message : new ByteBuf[] {header, row}) {
            assertEquals('d', message.readByte());
            int length = message.readInt();
            assertEquals(message.readableBytes() + 4, length);
            stream.writeBytes(message);
            message.release();
        }
        assertEquals("640000000" + "6ffff" + "6300000004", ByteBufUtil.hexDump(trailer));
        stream.writeBytes(trailer, 5, 2);
        trailer.release();
        assertEquals(COPY_STREAM, ByteBufUtil.hexDump(stream));
        assertEquals(RowsAsCopy.HEADER_BYTES + ROW.length() / 2 + RowsAsCopy.TRAILER_BYTES, stream.readableBytes());
        assertArrayEquals("PGCOPY\n".getBytes(), ByteBufUtil.getBytes(stream, 0, 7));
        stream.release();
    }

    private static ByteBuf frame(char type, String bodyHex) {
        return Unpooled.buffer().writeBytes(ByteBufUtil.decodeHexDump(hex(type, bodyHex)));
    }

    private static String hex(char type, String bodyHex) {
        return String.format("%02x%08x", (int) type, 4 + bodyHex.length() / 2) + bodyHex;
    }
}
