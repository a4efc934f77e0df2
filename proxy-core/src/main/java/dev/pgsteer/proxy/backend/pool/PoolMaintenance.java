package dev.pgsteer.proxy.backend.pool;

import dev.pgsteer.proxy.backend.BackendConnection;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a pool's periodic round decides about its idle connections: those past their lifetime, or
 * dead, close; those past the idle timeout close too while more than min_idle are idle; those
 * unheard from for a while are taken out to be asked an empty query before anyone leases them; and
 * connections are opened up to min_idle. The round is decided under the pool's lock
 * ({@link #round}) and carried out outside it ({@link #carryOut}).
 */
final class PoolMaintenance {
    /** An idle connection unheard from this long is asked an empty query before anyone leases it. */
    static final long HEALTH_CHECK_AFTER_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Taken out of the idle ones: to close, and to check. Already uncounted: to open, counted. */
    record Round(List<BackendConnection> expired, List<BackendConnection> toCheck, int toOpen) {
    }

    private final BackendPool pool;
    private final long healthCheckAfterNanos;

    PoolMaintenance(BackendPool pool, long healthCheckAfterNanos) {
        this.pool = pool;
        this.healthCheckAfterNanos = healthCheckAfterNanos;
    }

    Round round(IdleConnections idle, PoolCapacity capacity, PoolSettings settings) {
        List<BackendConnection> expired = new ArrayList<>();
        List<BackendConnection> toCheck = new ArrayList<>();
        Iterator<BackendConnection> it = idle.oldestFirst();
        while (it.hasNext()) {
            BackendConnection connection = it.next();
            boolean dead = !connection.isUsable() || connection.times().ageNanos() > settings.maxLifetime().toNanos();
            boolean surplus = idle.size() > settings.minIdle()
                    && connection.times().idleNanos() > settings.idleTimeout().toNanos();
            if (dead || surplus) {
                it.remove();
                expired.add(connection);
            } else if (connection.times().sinceVerifiedNanos() > healthCheckAfterNanos) {
                it.remove();
                toCheck.add(connection);
            }
        }
        capacity.closed(expired.size());
        int wanted = Math.min(Math.max(0, settings.minIdle() - idle.size() - toCheck.size()),
                settings.maxSize() - capacity.total());
        return new Round(expired, toCheck, capacity.openUpTo(wanted));
    }

    void carryOut(Round round, EventLoop loop) {
        round.expired().forEach(BackendConnection::close);
        round.toCheck().forEach(this::healthCheck);
        for (int i = 0; i < round.toOpen(); i++) {
            pool.openIdle(loop);
        }
    }

    /** An empty query: the cheapest statement that proves the backend still answers. */
    private void healthCheck(BackendConnection connection) {
        connection.runInternal("", connection.eventLoop()).addListener(f -> {
            if (f.isSuccess()) {
                connection.times().verified();
                pool.checked(connection);
            } else {
                pool.discard(connection);
            }
        });
    }
}
