package dev.pgsteer.protocol.message.backend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class ParameterDescriptionTest {

    @Test
    void listsTheParameterTypes() {
        Frame frame = frame('t', "\0\2\0\0\0\u0017\0\0\0\u0019");
        assertEquals(2, ParameterDescription.of(frame).count());
        assertEquals(23, ParameterDescription.of(frame).type(0));
        assertEquals(25, ParameterDescription.of(frame).type(1));
        frame.release();
    }

    @Test
    void noParametersIsACountOfZero() {
        assertEquals(message('t', "\0\0"), bytes(ParameterDescription.encode(ByteBufAllocator.DEFAULT)));
    }
}
