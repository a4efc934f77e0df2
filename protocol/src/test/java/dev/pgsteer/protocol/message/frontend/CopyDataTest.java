package dev.pgsteer.protocol.message.frontend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static dev.pgsteer.protocol.message.Fixtures.text;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class CopyDataTest {

    @Test
    void itsDataIsASliceOfTheFrame() {
        Frame frame = frame('d', "1\tone\n");
        assertEquals("1\tone\n", text(CopyData.of(frame).data()));
        frame.release();
    }

    @Test
    void encodesPartOfAnArray() {
        byte[] lines = "1\tone\n2\ttwo\n".getBytes();
        assertEquals(message('d', "2\ttwo\n"), bytes(CopyData.encode(ByteBufAllocator.DEFAULT, lines, 6, 6)));
    }
}
