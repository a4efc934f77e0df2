package dev.pgsteer.protocol.message.frontend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class CopyFailTest {

    @Test
    void carriesTheClientsReason() {
        Frame frame = frame('f', "aborted by user\0");
        assertEquals("aborted by user", CopyFail.of(frame).message());
        frame.release();
        assertEquals(message('f', "no\0"), bytes(CopyFail.encode(ByteBufAllocator.DEFAULT, "no")));
    }
}
