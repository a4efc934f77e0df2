package dev.pgsteer.protocol.message.frontend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EmptyFrontendMessageTest {

    @ParameterizedTest
    @EnumSource(Flush.class)
    void flushIsItsTypeAndALengthOfFour(Flush flush) {
        assertEquals("H\0\0\0\4", bytes(flush.encode(ByteBufAllocator.DEFAULT)));
    }

    @ParameterizedTest
    @EnumSource(CopyDone.class)
    void copyDoneIsItsTypeAndALengthOfFour(CopyDone done) {
        assertEquals("c\0\0\0\4", bytes(done.encode(ByteBufAllocator.DEFAULT)));
    }
}
