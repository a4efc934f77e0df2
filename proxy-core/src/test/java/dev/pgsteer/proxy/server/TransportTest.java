package dev.pgsteer.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;

class TransportTest {

    @Test
    void withoutAChoiceIoUringServesWhereTheKernelAllowsIt() {
        Transport transport = Transport.chosen("");
        if (IoUring.isAvailable()) {
            assertEquals("io_uring", transport.name());
            assertNull(transport.fallbackReason());
        } else {
            assertTrue(transport.fallbackReason().startsWith("io_uring is unavailable ("), transport.fallbackReason());
            assertEquals(Epoll.isAvailable() ? "epoll" : "nio", transport.name());
        }
    }

    @Test
    void epollCanBeAskedForAndFallsBackToNioWithTheReason() {
        Transport transport = Transport.chosen("epoll");
        if (Epoll.isAvailable()) {
            assertEquals("epoll", transport.name());
            assertNull(transport.fallbackReason());
        } else {
            assertEquals("nio", transport.name());
            assertTrue(transport.fallbackReason().startsWith("epoll is unavailable ("), transport.fallbackReason());
        }
    }

    @Test
    void nioIsAlwaysThere() {
        Transport transport = Transport.chosen("nio");
        assertEquals("nio", transport.name());
        assertNull(transport.fallbackReason());
    }

    @Test
    void aNameThatIsNoTransportIsRefusedWithTheFix() {
        var refused = assertThrows(Transport.UnknownTransportException.class, () -> Transport.chosen("kqueue"));
        assertEquals("-Dpgsteer.transport=kqueue names no transport. Fix: use io_uring, epoll or nio, or leave it out"
                + " (io_uring where the kernel allows it, else epoll, else nio)", refused.getMessage());
    }
}
