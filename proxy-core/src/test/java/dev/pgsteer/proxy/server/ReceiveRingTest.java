package dev.pgsteer.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReceiveRingTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty(ReceiveRing.PROPERTY);
    }

    @Test
    void ioUringSocketsReceiveFromTheLoopsRingWhereTheKernelHasOne() {
        assumeTrue(IoUring.isAvailable() && IoUring.isRegisterBufferRingSupported(),
                "this kernel has no io_uring buffer rings (Linux 5.19+)");
        Transport transport = Transport.chosen("io_uring");
        assertEquals((short) 1, transport.socketOptions().get(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID));
        assertEquals(1, ReceiveRing.handlerConfig().getBufferRingConfigs().size());
    }

    @Test
    void offTurnsTheRingOff() {
        System.setProperty(ReceiveRing.PROPERTY, "off");
        assertTrue(ReceiveRing.socketOptions().isEmpty());
    }

    @Test
    void otherTransportsHaveNoSuchOption() {
        assertTrue(Transport.nio().socketOptions().isEmpty());
    }
}
