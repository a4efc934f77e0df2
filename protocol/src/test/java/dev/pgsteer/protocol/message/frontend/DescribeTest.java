package dev.pgsteer.protocol.message.frontend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class DescribeTest {

    @Test
    void namesAStatementOrAPortal() {
        Frame statement = frame('D', "SS_1\0");
        assertEquals(Target.STATEMENT, Describe.of(statement).target());
        assertEquals("S_1", Describe.of(statement).name());
        assertFalse(Describe.of(statement).unnamed());
        statement.release();
        Frame portal = frame('D', "P\0");
        assertEquals(Target.PORTAL, Describe.of(portal).target());
        assertTrue(Describe.of(portal).unnamed());
        portal.release();
    }

    @Test
    void encodesWhatItReads() {
        assertEquals(message('D', "Pc\0"), bytes(Describe.encode(ByteBufAllocator.DEFAULT, Target.PORTAL, "c")));
    }
}
