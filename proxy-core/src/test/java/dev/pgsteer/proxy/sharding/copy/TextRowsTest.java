package dev.pgsteer.proxy.sharding.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.message.backend.DataRow;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A text-format DataRow becomes the CopyData COPY ... TO STDOUT writes for the same row. */
class TextRowsTest {

    /** {@code 'D' | int32 len | int16 n | (int32 len (-1: NULL) | bytes) * n}. */
    static Frame dataRow(String... cells) {
        ByteBuf body = Unpooled.buffer();
        body.writeShort(cells.length);
        for (String cell : cells) {
            if (cell == null) {
                body.writeInt(-1);
            } else {
                byte[] bytes = cell.getBytes(StandardCharsets.UTF_8);
                body.writeInt(bytes.length).writeBytes(bytes);
            }
        }
        ByteBuf whole = Unpooled.buffer();
        whole.writeByte('D').writeInt(4 + body.readableBytes()).writeBytes(body);
        body.release();
        return new Frame(whole);
    }

    static String copyData(ByteBuf out) {
        try {
            assertEquals('d', out.getByte(0));
            assertEquals(out.readableBytes() - 1, out.getInt(1), "the length word");
            return out.toString(5, out.readableBytes() - 5, StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }

    @Test
    void cellsAreJoinedByTabsWithCopysEscapesAndNullAsBackslashN() {
        Frame row = dataRow("plain", null, "tab\there", "line\nbreak\r", "back\\slash", "", "ünï");
        assertEquals("plain\t\\N\ttab\\there\tline\\nbreak\\r\tback\\\\slash\t\tünï\n",
                copyData(TextRows.copyData(DataRow.of(row), ByteBufAllocator.DEFAULT)));
        assertEquals(0, row.refCnt(), "the DataRow is consumed");
    }

    @Test
    void aRowOfNoColumnsIsAnEmptyLine() {
        assertEquals("\n", copyData(TextRows.copyData(DataRow.of(dataRow()), ByteBufAllocator.DEFAULT)));
    }

    @Test
    void theSplitterReadsTheRowBack() {
        ByteBuf out = TextRows.copyData(DataRow.of(dataRow("7", "a\tb", null)), ByteBufAllocator.DEFAULT);
        byte[] bytes = new byte[out.readableBytes() - 5];
        out.getBytes(5, bytes);
        out.release();
        CopyRowSplitter second = new CopyRowSplitter(false, '\t', '"', '"', "\\N", 1, false);
        String[] key = {null};
        second.feed(bytes, (b, offset, length, k) -> key[0] = k, (b, offset, length, k) -> { });
        assertEquals("a\tb", key[0]);
    }
}
