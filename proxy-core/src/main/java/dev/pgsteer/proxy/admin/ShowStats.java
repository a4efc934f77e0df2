package dev.pgsteer.proxy.admin;

import dev.pgsteer.proxy.runtime.ProxyContext;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.lang.management.ManagementFactory;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * SHOW STATS: every {@code pgsteer.*} meter of the proxy's registry (see the README's Metrics), read
 * now, so a meter added to {@code ProxyMetrics} shows up here without a change; then the uptime.
 */
final class ShowStats extends TableCommand {
    static final List<Column> COLUMNS = List.of(Column.text("name"), Column.text("type"), Column.text("value"));

    ShowStats() {
        super("SHOW STATS",
                "the proxy's counters and gauges (clients accepted, refused, active, pinned, auth failures, pools)",
                COLUMNS);
    }

    @Override
    public CompletableFuture<Result> run(ProxyContext context) {
        return CompletableFuture.completedFuture(of(context.meters(), ManagementFactory.getRuntimeMXBean().getUptime()));
    }

    static Result of(MeterRegistry registry, long uptimeMillis) {
        Result.Builder result = new Result.Builder(COLUMNS);
        registry.getMeters().stream()
                .filter(meter -> meter.getId().getName().startsWith("pgsteer."))
                .sorted(Comparator.comparing(ShowStats::displayName))
                .forEach(meter -> result.row(displayName(meter), meter.getId().getType().name().toLowerCase(Locale.ROOT),
                        value(meter)));
        result.row("pgsteer.uptime.seconds", "gauge", String.valueOf(uptimeMillis / 1000));
        return result.build();
    }

    /** The meter's name, with its tags as {@code {key=value,...}} when it has any. */
    private static String displayName(Meter meter) {
        List<Tag> tags = meter.getId().getTags();
        return tags.isEmpty() ? meter.getId().getName()
                : meter.getId().getName() + tags.stream().map(t -> t.getKey() + "=" + t.getValue())
                        .collect(Collectors.joining(",", "{", "}"));
    }

    /** Its first measurement (a counter's count, a gauge's value), whole numbers without a fraction. */
    private static String value(Meter meter) {
        Iterator<Measurement> measurements = meter.measure().iterator();
        if (!measurements.hasNext()) {
            return null;
        }
        double value = measurements.next().getValue();
        if (value == Math.rint(value) && !Double.isInfinite(value) && Math.abs(value) < 1e15) {
            return String.valueOf((long) value);
        }
        return String.valueOf(value);
    }
}
