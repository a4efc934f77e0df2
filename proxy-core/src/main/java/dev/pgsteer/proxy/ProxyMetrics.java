package dev.pgsteer.proxy;

import dev.pgsteer.proxy.backend.BackendPool;
import dev.pgsteer.proxy.backend.PoolRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/** The proxy's meters. Counting is cheap (atomics); pools are read only when a registry scrapes. */
public final class ProxyMetrics {
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicInteger pinnedSessions = new AtomicInteger();
    private final Counter clientsAccepted;
    private final Counter clientsRefused;
    private final Counter authFailures;

    public ProxyMetrics(MeterRegistry registry, PoolRegistry pools) {
        Gauge.builder("pgsteer.clients.active", clients, AtomicInteger::get).description("client connections open").register(registry);
        Gauge.builder("pgsteer.clients.pinned", pinnedSessions, AtomicInteger::get)
                .description("sessions pinned to one backend connection by session state").register(registry);
        clientsAccepted = Counter.builder("pgsteer.clients.accepted").register(registry);
        clientsRefused = Counter.builder("pgsteer.clients.refused").description("over max_client_connections").register(registry);
        authFailures = Counter.builder("pgsteer.auth.failures").register(registry);
        poolGauge(registry, pools, "pgsteer.pool.connections", pool -> pool.stats().total());
        poolGauge(registry, pools, "pgsteer.pool.idle", pool -> pool.stats().idle());
        poolGauge(registry, pools, "pgsteer.pool.waiting", pool -> pool.stats().waiting());
    }

    private static void poolGauge(MeterRegistry registry, PoolRegistry pools, String name, ToDoubleFunction<BackendPool> value) {
        Gauge.builder(name, pools, registry0 -> registry0.pools().stream().mapToDouble(value).sum()).register(registry);
    }

    /** Counts a new client; false when the limit is reached (and the client is not counted). */
    public boolean clientConnected(int limit) {
        if (clients.incrementAndGet() > limit) {
            clients.decrementAndGet();
            clientsRefused.increment();
            return false;
        }
        clientsAccepted.increment();
        return true;
    }

    public void clientDisconnected() {
        clients.decrementAndGet();
    }

    public void sessionPinned() {
        pinnedSessions.incrementAndGet();
    }

    public void pinnedSessionEnded() {
        pinnedSessions.decrementAndGet();
    }

    public void authFailed() {
        authFailures.increment();
    }
}
