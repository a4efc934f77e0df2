package dev.pgsteer.protocol.message.backend;

import static dev.pgsteer.protocol.message.Fixtures.bytes;
import static dev.pgsteer.protocol.message.Fixtures.frame;
import static dev.pgsteer.protocol.message.Fixtures.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NotificationResponseTest {
    /** pid 0x01020304, channel "t_acme_jobs", payload "done". */
    private static final String BODY = "\1\2\3\4" + "t_acme_jobs\0" + "done\0";

    @Test
    void readsThePidAndTheChannel() {
        Frame frame = frame('A', BODY);
        NotificationResponse notification = NotificationResponse.of(frame);
        assertEquals(0x01020304, notification.processId());
        assertEquals("t_acme_jobs", new String(notification.channel(), StandardCharsets.UTF_8));
        frame.release();
    }

    @Test
    void withChannelKeepsThePidAndThePayload() {
        Frame frame = frame('A', BODY);
        ByteBuf renamed = NotificationResponse.of(frame).withChannel(ByteBufAllocator.DEFAULT, "jobs".getBytes(StandardCharsets.UTF_8));
        assertEquals(message('A', "\1\2\3\4" + "jobs\0" + "done\0"), bytes(renamed));
        frame.release();
    }

    @Test
    void aChannelWithoutItsEndIsRefused() {
        Frame frame = frame('A', "\1\2\3\4" + "jobs");
        assertThrows(IllegalArgumentException.class, () -> NotificationResponse.of(frame).channel());
        frame.release();
    }

    @Test
    void anotherTypeIsNoNotification() {
        Frame frame = frame('D', "\0\0");
        assertThrows(IllegalArgumentException.class, () -> NotificationResponse.of(frame));
        frame.release();
    }
}
