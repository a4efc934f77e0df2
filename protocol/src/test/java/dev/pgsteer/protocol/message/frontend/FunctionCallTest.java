package dev.pgsteer.protocol.message.frontend;

import static dev.pgsteer.protocol.message.Fixtures.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.wire.Frame;
import org.junit.jupiter.api.Test;

class FunctionCallTest {

    @Test
    void readsTheFunctionAndHowManyArguments() {
        // int32 oid 1598 | int16 1 format: binary | int16 2 arguments: 0x01, NULL | int16 result format text
        Frame frame = frame('F', "\0\0\u0006\u003e\0\1\0\1\0\2\0\0\0\1\1\u00ff\u00ff\u00ff\u00ff\0\0");
        assertEquals(1598, FunctionCall.of(frame).functionOid());
        assertEquals(2, FunctionCall.of(frame).argumentCount());
        frame.release();
    }
}
