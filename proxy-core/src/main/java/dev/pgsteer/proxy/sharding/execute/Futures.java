package dev.pgsteer.proxy.sharding.execute;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.List;

/** Waiting on several shards at once. */
public final class Futures {
    private Futures() {
    }

    /** A future that completes (never fails) when all of {@code futures} have. */
    public static Future<Void> whenAll(List<? extends Future<?>> futures, EventLoop loop) {
        Promise<Void> all = loop.newPromise();
        if (futures.isEmpty()) {
            all.setSuccess(null);
            return all;
        }
        int[] left = {futures.size()};
        for (Future<?> f : futures) {
            f.addListener(x -> {
                if (loop.inEventLoop()) {
                    if (--left[0] == 0) {
                        all.trySuccess(null);
                    }
                } else {
                    loop.execute(() -> {
                        if (--left[0] == 0) {
                            all.trySuccess(null);
                        }
                    });
                }
            });
        }
        return all;
    }
}
