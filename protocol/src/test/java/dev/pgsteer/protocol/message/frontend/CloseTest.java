package dev.pgsteer.protocol.message.frontend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class CloseTest {

    @Test
    void namesAStatementOrAPortal() {
        Frame statement = frame('C', "Spgsteer_x\0");
        assertEquals(Target.STATEMENT, Close.of(statement).target());
        assertEquals("pgsteer_x", Close.of(statement).name());
        statement.release();
        Frame portal = frame('C', "PC_1\0");
        assertEquals(Target.PORTAL, Close.of(portal).target());
        portal.release();
    }

    @Test
    void encodesWhatItReads() {
        assertEquals(message('C', "Spgsteer_x\0"), bytes(Close.encode(ByteBufAllocator.DEFAULT, Target.STATEMENT, "pgsteer_x")));
    }
}
