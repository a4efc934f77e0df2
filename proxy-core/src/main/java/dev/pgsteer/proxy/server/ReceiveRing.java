package dev.pgsteer.proxy.server;

import io.netty.channel.ChannelOption;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringBufferRingConfig;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringFixedBufferRingAllocator;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import java.util.Map;

/**
 * io_uring's provided receive buffers: each event loop registers one ring of buffers with the kernel,
 * and every socket of the loop receives into it with one multishot receive that stays armed. Without
 * it, Netty arms a poll per socket and, once data is there, submits a receive into a buffer of the
 * socket's own: two completions and a submission per message instead of one completion. Relaying
 * select-only transactions at 8 clients, the ring saved 2-3 µs of proxy CPU per transaction (about 7 %)
 * and gained 4-10 % TPS (bench/RESULTS.md). An idle socket holds no buffer either way.
 *
 * <p>{@code -Dpgsteer.receiveRing=off} turns it off, should a kernel or a container refuse it.
 */
final class ReceiveRing {
    static final String PROPERTY = "pgsteer.receiveRing";
    private static final short GROUP = 1;
    /** Buffers the ring of each loop holds at most; Netty replaces each one a receive takes. */
    private static final short BUFFERS = 256;
    /** As PgBouncer's pkt_buf: most messages of a transaction fit in one; bigger results take several. */
    private static final int BUFFER_BYTES = 4096;
    /** Buffers allocated at once: a loop starts with this many and grows only as receives need more. */
    private static final int BATCH = 32;

    private ReceiveRing() {
    }

    /** Whether the ring is used: the kernel can register one (Linux 5.19+) and it is not turned off. */
    static boolean enabled() {
        return !"off".equals(System.getProperty(PROPERTY)) && IoUring.isRegisterBufferRingSupported();
    }

    /** The event loops' configuration: with the ring when {@link #enabled()}. */
    static IoUringIoHandlerConfig handlerConfig() {
        IoUringIoHandlerConfig config = new IoUringIoHandlerConfig();
        if (enabled()) {
            config.setBufferRingConfig(IoUringBufferRingConfig.builder()
                    .bufferGroupId(GROUP)
                    .bufferRingSize(BUFFERS)
                    .batchSize(BATCH)
                    .allocator(new IoUringFixedBufferRingAllocator(BUFFER_BYTES))
                    .build());
        }
        return config;
    }

    /** The option that makes a socket receive from the ring: set before it registers, as bootstraps do. */
    @SuppressWarnings("unchecked")
    static Map<ChannelOption<Object>, Object> socketOptions() {
        // The option's value type is Short; bootstraps take options as Object.
        ChannelOption<Object> groupId = (ChannelOption<Object>) (ChannelOption<?>) IoUringChannelOption.IO_URING_BUFFER_GROUP_ID;
        return enabled() ? Map.of(groupId, GROUP) : Map.of();
    }
}
