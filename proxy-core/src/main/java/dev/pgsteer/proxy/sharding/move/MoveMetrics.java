package dev.pgsteer.proxy.sharding.move;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A move's meters: {@code pgsteer.moves{phase}} (unfinished moves by phase, as this instance follows
 * them), {@code pgsteer.move.rows.copied} (rows of the bucket on the target, moves this instance runs),
 * {@code pgsteer.move.hold} (each cutover's write hold, as the mover measures it) and
 * {@code pgsteer.move.write.wait} (how long each held write waited on this instance).
 */
final class MoveMetrics {
    private final Map<Long, Long> copied = new ConcurrentHashMap<>();
    private final Timer hold;
    private final Timer writeWait;

    MoveMetrics(MeterRegistry registry, Supplier<Map<MovePhase, Long>> byPhase) {
        AtomicReference<Supplier<Map<MovePhase, Long>>> phases = new AtomicReference<>(byPhase);
        for (MovePhase phase : MovePhase.values()) {
            if (!phase.finished()) {
                Gauge.builder("pgsteer.moves", () -> phases.get().get().getOrDefault(phase, 0L)).tag("phase", phase.label())
                        .description("unfinished bucket moves by phase").register(registry);
            }
        }
        Gauge.builder("pgsteer.move.rows.copied", copied, m -> m.values().stream().mapToLong(Long::longValue).sum())
                .description("rows of the moving buckets on their targets").register(registry);
        this.hold = Timer.builder("pgsteer.move.hold").description("write hold of each cutover attempt")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.writeWait = Timer.builder("pgsteer.move.write.wait").description("how long each held write waited")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    void copied(long move, long rows) {
        copied.put(move, rows);
    }

    void done(long move) {
        copied.remove(move);
    }

    void held(double ms) {
        hold.record(Duration.ofNanos((long) (ms * 1e6)));
    }

    void waited(long nanos) {
        writeWait.record(Duration.ofNanos(nanos));
    }
}
