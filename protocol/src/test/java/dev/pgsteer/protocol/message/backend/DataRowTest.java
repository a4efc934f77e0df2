package dev.pgsteer.protocol.message.backend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static dev.pgsteer.protocol.message.Fixtures.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DataRowTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /** Three cells: "paid", NULL, "17". */
    private static final String CELLS = "\0\3" + "\0\0\0\4paid" + "\u00ff\u00ff\u00ff\u00ff" + "\0\0\0\u000217";

    @Test
    void cellsAreSlicesOfTheFrame() {
        Frame frame = frame('D', CELLS);
        DataRow row = DataRow.of(frame);
        assertEquals(3, row.count());
        assertEquals("paid", text(row.cell(0)));
        assertTrue(row.isNull(1));
        assertNull(row.cell(1));
        assertArrayEquals("17".getBytes(), row.bytes(2));
        assertEquals("[[112, 97, 105, 100], null, [49, 55]]", Arrays.deepToString(row.cells()));
        assertEquals("\0\0\0\4paid\u00ff\u00ff\u00ff\u00ff", text(row.leading(2)));
        frame.release();
    }

    @Test
    void textsReadEveryCellAsUtf8() {
        Frame frame = frame('D', "\0\3" + "\0\0\0\4paid" + "\u00ff\u00ff\u00ff\u00ff" + "\0\0\0\0");
        assertEquals(Arrays.asList("paid", null, ""), DataRow.of(frame).texts());
        frame.release();
    }

    @Test
    void withoutTrailingDropsTheHiddenCells() {
        Frame frame = frame('D', CELLS);
        assertEquals(message('D', "\0\1\0\0\0\4paid"), bytes(DataRow.of(frame).withoutTrailing(ALLOC, 2)));
        frame.release();
    }

    @Test
    void encodesCellsAndText() {
        byte[][] cells = {"paid".getBytes(), null, "17".getBytes(), "hidden".getBytes()};
        assertEquals(message('D', CELLS), bytes(DataRow.encode(ALLOC, cells, 3)));
        assertEquals(message('D', CELLS), bytes(DataRow.encodeText(ALLOC, Arrays.asList("paid", null, "17"))));
    }
}
