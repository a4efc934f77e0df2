package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.store.MoveStore.Field;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cutover attempt of a move in HOLDING: every live instance holds writes to the bucket, the fence
 * goes on the source, the target applies the source's WAL up to a barrier, count and checksum agree,
 * the map flips, and the writes are released once every live instance routes by the flipped map. An
 * attempt that cannot finish within its bounds gives up: the fence goes, the writes are released to
 * the source, which stays the bucket's shard, and the move goes back to CATCHING_UP.
 */
final class Cutover {
    private static final Logger log = LoggerFactory.getLogger(Cutover.class);

    private final MoveRow row;
    private final ShardSteps steps;
    private final MoveTimings timings;
    private final MoveMetrics metrics;
    private final MoveFreeze freeze;

    Cutover(MoveRow row, ShardSteps steps, MoveTimings timings, MoveMetrics metrics, MoveFreeze freeze) {
        this.row = row;
        this.steps = steps;
        this.timings = timings;
        this.metrics = metrics;
        this.freeze = freeze;
    }

    /**
     * One cutover attempt: hold, fence, barrier, verify, flip, release. An attempt that cannot finish
     * within its bounds gives up: fence dropped, writes released to the source, back to CATCHING_UP.
     */
    void attempt(Connection source, Connection target) throws SQLException, InterruptedException {
        int attempt = row.get().attempts() + 1;
        row.set(Map.of(Field.ATTEMPTS, attempt));
        StepClock clock = new StepClock();
        row.hold(attempt);
        Set<String> missing = row.waitAcks("hold " + attempt, timings.ack());
        clock.mark("acks");
        if (!missing.isEmpty()) {
            giveUp(source, clock, "instance(s) " + String.join(", ", missing) + " did not hold writes within "
                    + timings.ack().toMillis() + " ms");
            return;
        }
        freeze.at(MoveFreeze.Point.HELD);
        try {
            steps.fence(source);
            clock.mark("fence");
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState())) {
                giveUp(source, clock, "the source's open writers did not end within " + timings.lock().toMillis() + " ms");
                return;
            }
            throw e;
        }
        freeze.at(MoveFreeze.Point.FENCED);
        String unapplied = steps.barrier(source, target, timings.barrier());
        if (unapplied != null) {
            giveUp(source, clock, unapplied);
            return;
        }
        clock.mark("barrier");
        row.set(Map.of(Field.PHASE, MovePhase.VERIFYING.label()));
        String mismatch = steps.compare(source, target);
        clock.mark("verify");
        if (mismatch != null) {
            giveUp(source, clock, mismatch);
            return;
        }
        freeze.at(MoveFreeze.Point.VERIFYING);
        long version;
        try {
            version = flip();
        } catch (MoveRefusedException e) {
            giveUp(source, clock, e.getMessage());
            return;
        }
        Map<Field, Object> flipped = new LinkedHashMap<>();
        flipped.put(Field.PHASE, MovePhase.FLIPPED.label());
        flipped.put(Field.FLIP_VERSION, version);
        flipped.put(Field.ERROR, null);
        row.set(flipped);
        clock.mark("flip");
        freeze.at(MoveFreeze.Point.FLIPPED);
        // Writes are let go once every live instance routes by the flipped map: a client then reads its write anywhere.
        Set<String> behind = row.flip().awaitRouting(row, version, timings.ack());
        if (!behind.isEmpty()) {
            log.warn("move {}: instance(s) {} did not route by the flip (version {}) within {} ms; releasing the writes anyway",
                    row.get().id(), behind, version, timings.ack().toMillis());
        }
        clock.mark("routes");
        row.release(version);
        double held = clock.elapsedMs();
        metrics.held(held);
        row.set(Map.of(Field.HOLD_MS, decimal(held)));
        log.info("move {}: {} is on {} from version {} (writes held {} ms: {})", row.get().id(), row.get().what(),
                row.get().target(), version, Math.round(held), clock);
    }

    private void giveUp(Connection source, StepClock clock, String why) throws SQLException, InterruptedException {
        steps.dropFence(source);
        row.release(0);
        double held = clock.elapsedMs();
        metrics.held(held);
        log.warn("move {}: cutover attempt {} gave up after {} ms ({}): {}; the source keeps what moves", row.get().id(),
                row.get().attempts(), Math.round(held), clock, why);
        if (row.get().attempts() >= timings.attempts()) {
            throw new MoveRefusedException("the cutover gave up " + row.get().attempts() + " times; last: " + why);
        }
        Map<Field, Object> back = new LinkedHashMap<>();
        back.put(Field.PHASE, MovePhase.CATCHING_UP.label());
        back.put(Field.HOLD_MS, decimal(held));
        back.put(Field.ERROR, "cutover attempt " + row.get().attempts() + " gave up: " + why);
        row.set(back);
        sleep(Duration.ofMillis(500L * row.get().attempts()));
    }

    private long flip() {
        // An instance paused (or cut off from the store) past its lease since VERIFYING must not flip a move
        // that another adopted meanwhile and took back to catching up, its fence dropped and the source taking
        // writes again: a bucket map changes only while this instance owns the move, in the change's
        // transaction (MoveClaim); the read before it spares the store a change that would fail, and is the
        // only check of a tenant's or key's flip (the directories' changes take no claim).
        row.owned();
        try {
            return row.flip().flip(row.get(), row.claim());
        } catch (RuntimeException e) {
            row.owned();   // NotOwnerException when the move was adopted meanwhile: this instance leaves it alone
            throw e;
        }
    }

    private static BigDecimal decimal(double ms) {
        return BigDecimal.valueOf(ms).setScale(1, RoundingMode.HALF_UP);
    }

    private static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(d);
    }
}
