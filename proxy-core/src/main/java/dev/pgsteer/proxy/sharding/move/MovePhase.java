package dev.pgsteer.proxy.sharding.move;

import java.util.Locale;

/**
 * The phases of an online bucket move, as SHOW MOVES names them and the store's {@code moves.phase}
 * keeps them. The source is the bucket's shard until FLIPPED; any failure or CANCEL MOVE before it
 * rolls back (the source stays authoritative, what the move made on both shards is removed, the
 * target's copies of the bucket deleted). From FLIPPED on, the move only goes forward.
 *
 * <pre>
 *  CHECKING ── requirements, replica identity, every instance guards ──► COPYING
 *  COPYING ── target's rows of the bucket deleted; publication (row filter: the bucket) on the source,
 *             subscription on the target ──► CATCHING_UP
 *  CATCHING_UP ── no slot on the source (a rollback cut short by its instance's end) ──► COPYING (again)
 *  CATCHING_UP ── lag small ──► HOLDING ── every live instance holds writes to the bucket;
 *                                  │        fence trigger on the source (waits for its writers);
 *                                  │        barrier LSN applied on the target ──► VERIFYING
 *       ▲                          │                                                  │ count + checksum equal
 *       └── attempt given up ◄─────┴──── (no ack, lock timeout, lag, checksum) ◄──────┤
 *                                                                                     ▼
 *                                FLIPPED (bucket on the target, new map version; writes released
 *                                         once every live instance routes by it) ──► CLEANING
 *  CLEANING ── subscription, publication dropped; the source's rows deleted in batches; fence removed ──► DONE
 *  any phase before FLIPPED ── error, CANCEL MOVE ──► rolled back ──► FAILED | CANCELLED
 *
 *  Owner gone (its lease ended): another instance adopts the move and runs it on from the phase the
 *  store has, as does any instance's next start; HOLDING or VERIFYING go to FLIPPED if the store's map
 *  has the bucket on the target, else the attempt gives up (CATCHING_UP). A rollback cut short is run
 *  again (CANCEL MOVE's flag is in the store) or, after an error, the move carries on from the phase
 *  it failed in. MoveCrashIT stops the owner at each point ({@link MoveFreeze.Point}).
 *
 *  QUEUED ── a later step of a REBALANCE or SPLIT SHARD plan: nothing made anywhere yet, no guard, no
 *            hold; its owner starts it (CHECKING) once its group has no other move running; CANCEL MOVE ──► CANCELLED
 * </pre>
 */
public enum MovePhase {
    QUEUED, CHECKING, COPYING, CATCHING_UP, HOLDING, VERIFYING, FLIPPED, CLEANING, DONE, FAILED, CANCELLED;

    /** As SHOW MOVES and the store write it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MovePhase of(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }

    public boolean finished() {
        return switch (this) {
            case DONE, FAILED, CANCELLED -> true;
            case QUEUED, CHECKING, COPYING, CATCHING_UP, HOLDING, VERIFYING, FLIPPED, CLEANING -> false;
        };
    }

    /** Whether the move waits for its turn in a plan: nothing of it exists on the shards yet. */
    public boolean queued() {
        return this == QUEUED;
    }

    /** Whether the bucket is the target's: the move can no longer be rolled back, only finished. */
    public boolean flipped() {
        return switch (this) {
            case FLIPPED, CLEANING, DONE -> true;
            case QUEUED, CHECKING, COPYING, CATCHING_UP, HOLDING, VERIFYING, FAILED, CANCELLED -> false;
        };
    }
}
