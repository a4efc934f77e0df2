package dev.pgsteer.protocol.message.frontend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class ExecuteTest {

    @Test
    void readsPortalAndRowLimit() {
        Frame frame = frame('E', "C_1\0" + "\0\0\0" + "2");
        assertEquals("C_1", Execute.of(frame).portal());
        assertEquals(50, Execute.of(frame).maxRows());
        frame.release();
    }

    @Test
    void encodesWhatItReads() {
        assertEquals(message('E', "\0\0\0\0\0"), bytes(Execute.encode(ByteBufAllocator.DEFAULT, "", Execute.ALL_ROWS)));
    }
}
