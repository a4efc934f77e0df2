package dev.pgsteer.proxy.sharding.move;

import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/**
 * For crash tests in one process, in the style of {@code TwoPhaseCommit.freezeAt}: a move that reaches
 * a {@link Point} the test names stops there for good, as it would if its instance died at that
 * instant, and the instance stops renewing its lease ({@code dead}); nothing more of the move runs on it
 * (no rollback, no release) until the instance is closed, which leaves the move where it froze, or
 * {@link #thaw thawed}, which lets a paused instance come back to a move it no longer owns. Never
 * set outside tests: {@link #at} is then one volatile read.
 */
public final class MoveFreeze {

    /** Where a move may be frozen: within each phase, at the instant whose loss recovery must survive. */
    public enum Point {
        /** CHECKING: templates made, the guard acknowledged, replica identities made FULL; not yet COPYING. */
        CHECKING,
        /** COPYING: stale target rows deleted, publication and subscription made, the initial copy under way. */
        COPYING,
        /** CATCHING_UP: the subscription streams; the lag is being read. */
        CATCHING_UP,
        /** HOLDING: every live instance acknowledged the hold of writes; no fence yet. */
        HELD,
        /** HOLDING: the fence is on the source as well; the barrier not reached yet. */
        FENCED,
        /** VERIFYING: count and checksum equal; the map not flipped yet. */
        VERIFYING,
        /** FLIPPED: the map has the bucket on the target; the held writes not released yet. */
        FLIPPED,
        /** CLEANING: subscription, slot and publication dropped; the source's rows, fence, identities still there. */
        CLEANING,
        /**
         * A rollback before the flip (a failure, or CANCEL MOVE): subscription, publication and slot dropped; the
         * target's copies, the templates and the replica identities still there; the phase still the one that failed.
         */
        ROLLING_BACK
    }

    private volatile Predicate<Point> freeze = point -> false;
    private volatile Runnable dead = () -> { };
    /** Opened only by {@link #thaw}. */
    private final CountDownLatch never = new CountDownLatch(1);

    /** Moves that reach a point {@code freeze} accepts stop there; {@code dead} runs first (the instance stops renewing its lease). */
    public void freezeAt(Predicate<Point> freeze, Runnable dead) {
        this.dead = dead;
        this.freeze = freeze;
    }

    /**
     * Lets the frozen moves go on, as an instance that was only paused (a long GC pause, a partition from
     * the store) would: its lease has ended meanwhile, and another instance may own its moves now.
     */
    public void thaw() {
        freeze = point -> false;
        never.countDown();
    }

    /** Returns at once, unless the move is to freeze at {@code point}: then it waits until the instance stops (interrupted). */
    void at(Point point) throws InterruptedException {
        if (freeze.test(point)) {
            dead.run();
            never.await();
        }
    }
}
