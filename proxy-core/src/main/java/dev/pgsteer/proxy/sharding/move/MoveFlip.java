package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.store.MoveClaim;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.proxy.sharding.map.ShardMaps;
import java.time.Duration;
import java.util.Set;

/**
 * How a move's subject changes shard in the store, and how its owner learns that every instance routes
 * by the change: a bucket in the shard map ({@link BucketFlip}), a tenant or a directory key in the
 * tenant and key directories ({@link PlacementFlip}). The flip is the truth a resumed move goes by.
 */
sealed interface MoveFlip permits BucketFlip, PlacementFlip {

    /**
     * Puts the subject on the target, only while {@code claim}'s instance owns the move where the store
     * can check it in the change's own transaction (the bucket map); the version that says so (a refusal
     * is {@link MoveRefusedException}).
     */
    long flip(MoveRecord move, MoveClaim claim);

    /** The store's version when it has the subject on the target already; null when it does not. */
    Long flipped(MoveRecord move);

    /** After a flip a resumed move found: what the flip changes and was not yet changed, changed (idempotent). */
    void complete(MoveRecord move);

    /** The live instances that do not route by the flip at {@code version} yet, after waiting for them up to {@code bound}. */
    Set<String> awaitRouting(MoveRow row, long version, Duration bound) throws InterruptedException;

    /** The flip a move of {@code move}'s kind makes. */
    static MoveFlip of(MoveRecord move, ShardMaps maps, TenantPlacing placing) {
        return move.bucket() ? new BucketFlip(maps) : new PlacementFlip(placing);
    }
}
