package dev.pgsteer.proxy.testkit;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much memory an in-process pgsteer's buffers took while something ran: every buffer pgsteer
 * reads into, queues or writes comes from Netty's default allocator, and nothing else in a test JVM
 * uses it (pgjdbc and the raw client use arrays and sockets). Buffering a 200 MiB message whole
 * shows as 400 MiB and more (the read buffer doubles as it grows).
 */
public final class HeldBuffers {
    public interface Transfer {
        void run() throws Exception;
    }

    private HeldBuffers() {
    }

    /** The most pgsteer's buffers took while {@code transfer} ran, above what they took before it, sampled every 2 ms. */
    public static long mostHeldWhile(Transfer transfer) throws Exception {
        ByteBufAllocatorMetric metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        long before = used(metric);
        AtomicLong most = new AtomicLong(before);
        AtomicBoolean done = new AtomicBoolean();
        Thread sampler = new Thread(() -> {
            while (!done.get()) {
                most.accumulateAndGet(used(metric), Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "held-buffers-sampler");
        sampler.start();
        try {
            transfer.run();
        } finally {
            done.set(true);
            sampler.join();
        }
        return Math.max(0, most.get() - before);
    }

    private static long used(ByteBufAllocatorMetric metric) {
        return metric.usedDirectMemory() + metric.usedHeapMemory();
    }
}
