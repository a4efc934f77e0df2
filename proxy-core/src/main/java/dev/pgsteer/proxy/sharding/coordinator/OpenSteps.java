package dev.pgsteer.proxy.sharding.coordinator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The coordinator steps of one sharded database that are running now, for the admin console's
 * {@code SHOW COORDINATORS}: each step registers when it starts and leaves when it ends (answered,
 * failed, or its client gone). Written on the sessions' event loops, read by the console: every
 * field a step changes is volatile, and a snapshot is a copy.
 */
public final class OpenSteps {
    private final Set<Step> open = ConcurrentHashMap.newKeySet();

    /** What a step is doing, in the order it does it. */
    public enum Phase {
        /** Reading the tables' schemas and columns in the coordinator shard's catalog. */
        NAMES,
        /** Reading the session's settings on both sides (inside a transaction block). */
        SETTINGS,
        /** Making the temporary tables (and, outside a transaction block, filling them with its own rows). */
        CREATING,
        /** Pulling one table into the coordinator, from its shards at once (GatherPull), or its own rows (LocalFill). */
        PULLING,
        /** Reading the key values pulled so far, which narrow the pulls of the tables that receive them (KeyLists). */
        KEYS,
        /** Statistics and indexes on the filled tables. */
        PREPARING,
        /** The client's statement on the coordinator. */
        RUNNING,
        /** The coordinator's ROLLBACK, which drops the tables. */
        ENDING;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One step as the console shows it. */
    public record View(int client, String coordinator, String phase, List<String> tables, long rowsPulled, Duration age) {
    }

    /** A step that runs now; {@link #close} when it ends (idempotent). */
    public final class Step {
        private final int client;
        private final String coordinator;
        private final List<String> tables;
        private final PullBudget budget;
        private final long startedNanos = System.nanoTime();
        private volatile Phase phase = Phase.NAMES;
        private volatile String detail;

        private Step(int client, String coordinator, List<String> tables, PullBudget budget) {
            this.client = client;
            this.coordinator = coordinator;
            this.tables = List.copyOf(tables);
            this.budget = budget;
        }

        public void phase(Phase next) {
            phase(next, null);
        }

        /** {@code detail}: which table of which shard, for {@link Phase#PULLING}. */
        public void phase(Phase next, String detail) {
            this.detail = detail;
            this.phase = next;
        }

        public void close() {
            open.remove(this);
        }

        View view(long nowNanos) {
            String what = detail;
            Phase now = phase;
            return new View(client, coordinator, what == null ? now.label() : now.label() + " " + what, tables,
                    budget.rows(), Duration.ofNanos(nowNanos - startedNanos));
        }
    }

    /**
     * A step starts for client {@code client} (its BackendKeyData process id, as SHOW CLIENTS shows it)
     * on {@code coordinator}, pulling {@code tables}, counting rows in {@code budget}.
     */
    public Step start(int client, String coordinator, List<String> tables, PullBudget budget) {
        Step step = new Step(client, coordinator, tables, budget);
        open.add(step);
        return step;
    }

    /** The steps running now, the oldest first. */
    public List<View> snapshot() {
        long now = System.nanoTime();
        List<View> views = new ArrayList<>();
        for (Step step : open) {
            views.add(step.view(now));
        }
        views.sort(Comparator.comparing(View::age).reversed());
        return views;
    }
}
