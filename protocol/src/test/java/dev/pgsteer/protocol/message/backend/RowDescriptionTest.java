package dev.pgsteer.protocol.message.backend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.message.backend.RowDescription.Field;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowDescriptionTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /** "id": table 16384 column 1, int8 (20), size 8, no modifier, binary. */
    private static final String ID = "id\0" + "\0\0\u0040\0" + "\0\1" + "\0\0\0\u0014" + "\0\u0008" + "\u00ff\u00ff\u00ff\u00ff" + "\0\1";
    /** "s": computed, numeric (1700), size -1, modifier 0x00050002, text. */
    private static final String SUM = "s\0" + "\0\0\0\0" + "\0\0" + "\0\0\u0006\u00a4" + "\u00ff\u00ff" + "\0\5\0\2" + "\0\0";
    /** "__pgsteer_count": computed, int8, text. */
    private static final String COUNT = "__pgsteer_count\0" + "\0\0\0\0" + "\0\0" + "\0\0\0\u0014" + "\0\u0008" + "\u00ff\u00ff\u00ff\u00ff" + "\0\0";

    @Test
    void readsItsFields() {
        Frame frame = frame('T', "\0\3" + ID + SUM + COUNT);
        RowDescription description = RowDescription.of(frame);
        assertEquals(3, description.count());
        assertEquals(new Field("id", 16384, (short) 1, 20, (short) 8, -1, (short) 1), description.field(0));
        assertEquals(1700, description.typeOid(1));
        assertEquals(0, description.format(1));
        assertEquals("__pgsteer_count", description.fields().get(2).name());
        frame.release();
    }

    @Test
    void withoutTrailingDropsTheHiddenColumns() {
        Frame frame = frame('T', "\0\3" + ID + SUM + COUNT);
        RowDescription visible = RowDescription.of(frame).withoutTrailing(ALLOC, 1);
        frame.release();
        assertEquals(message('T', "\0\2" + ID + SUM), bytes(visible.frame().content()));
    }

    @Test
    void withTypeChangesTypeAndSizeAndDropsTheModifier() {
        Frame frame = frame('T', "\0\2" + ID + SUM);
        RowDescription avg = RowDescription.of(frame).withType(ALLOC, 1, 701, 8);
        frame.release();
        String float8 = "s\0" + "\0\0\0\0" + "\0\0" + "\0\0\u0002\u00bd" + "\0\u0008" + "\u00ff\u00ff\u00ff\u00ff" + "\0\0";
        assertEquals(message('T', "\0\2" + ID + float8), bytes(avg.frame().content()));
    }

    @Test
    void encodesFields() {
        String text = "name\0" + "\0\0\0\0" + "\0\0" + "\0\0\0\u0019" + "\u00ff\u00ff" + "\u00ff\u00ff\u00ff\u00ff" + "\0\0";
        assertEquals(message('T', "\0\1" + text), bytes(RowDescription.encode(ALLOC, List.of(Field.computed("name", 25, -1, 0)))));
    }
}
