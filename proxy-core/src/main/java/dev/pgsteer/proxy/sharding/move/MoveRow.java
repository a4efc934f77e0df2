package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.store.MoveClaim;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.config.store.MoveStore;
import dev.pgsteer.config.store.MoveStore.Field;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * A move's row in the store, as its owner sees and changes it: every change is conditioned on this
 * instance still owning the move ({@link NotOwnerException} otherwise), and read back. Also what the
 * owner waits for in the store: the instances' acknowledgements and map versions, and whether the
 * store has the move's subject on the target already ({@link MoveFlip}: the truth a resumed move goes by).
 */
final class MoveRow {
    private final MoveStore store;
    private final MoveFlip flip;
    private final String node;
    private volatile MoveRecord move;

    MoveRow(MoveRecord move, MoveStore store, MoveFlip flip, String node) {
        this.move = move;
        this.store = store;
        this.flip = flip;
        this.node = node;
    }

    MoveRecord get() {
        return move;
    }

    /** Sets fields of the move (only while this instance owns it) and reads it back. */
    void set(Map<Field, Object> values) {
        if (!store.set(move.id(), node, values)) {
            throw new NotOwnerException(move.id());
        }
        move = store.get(move.id()).orElseThrow(() -> new NotOwnerException(move.id()));
    }

    /** Reads the move back; whether CANCEL MOVE asked for it. Throws when another instance owns it now. */
    boolean cancelRequested() {
        return owned().cancel();
    }

    /**
     * Reads the move back; throws when another instance owns it now: this one was paused, or cut off from
     * the store, longer than its lease, and the other adopted the move and may have undone what this one did.
     */
    MoveRecord owned() {
        MoveRecord now = store.get(move.id()).orElseThrow(() -> new NotOwnerException(move.id()));
        if (!node.equals(now.owner())) {
            throw new NotOwnerException(move.id());
        }
        move = now;
        return now;
    }

    /** The map change of a flip, made only while this instance owns the move. */
    MoveClaim claim() {
        return new MoveClaim(move.id(), node);
    }

    void hold(int attempt) {
        store.hold(move.id(), attempt);
    }

    void release(long version) {
        store.release(move.id(), version);
    }

    /** The live instances that have not acknowledged {@code what} within {@code bound}. */
    Set<String> waitAcks(String what, Duration bound) throws InterruptedException {
        long until = System.nanoTime() + bound.toNanos();
        while (true) {
            Set<String> missing = store.notAcked(move.id(), what);
            if (missing.isEmpty() || System.nanoTime() > until) {
                return missing;
            }
            Thread.sleep(5);
        }
    }

    /** As {@link #waitAcks}, refusing the move when some did not: {@code doing} says what they did not do. */
    void awaitAcks(String what, Duration bound, String doing) throws InterruptedException {
        Set<String> missing = waitAcks(what, bound);
        if (!missing.isEmpty()) {
            throw new MoveRefusedException("instance(s) " + String.join(", ", missing) + " did not " + doing + " within "
                    + bound.toMillis() + " ms; is their metadata store connection up?");
        }
    }

    /** The live instances that do not route by {@code version} yet, after waiting for them up to {@code bound}. */
    Set<String> waitBehind(long version, Duration bound) throws InterruptedException {
        long until = System.nanoTime() + bound.toNanos();
        while (true) {
            Set<String> behind = store.behind(version);
            if (behind.isEmpty() || System.nanoTime() > until) {
                return behind;
            }
            Thread.sleep(5);
        }
    }

    /** The live instances that do not route by {@code version} yet. */
    Set<String> behindNow(long version) {
        return store.behind(version);
    }

    /** The store's version when it has the move's subject on the target; null when it does not. */
    Long flippedVersion() {
        return flip.flipped(move);
    }

    MoveFlip flip() {
        return flip;
    }
}
