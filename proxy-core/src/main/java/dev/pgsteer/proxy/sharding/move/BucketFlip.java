package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.store.MoveClaim;
import dev.pgsteer.config.store.MoveRecord;
import dev.pgsteer.proxy.sharding.map.ShardMaps;
import java.time.Duration;
import java.util.Set;

/** A bucket's flip: {@code SET BUCKET} style, a new shard map version every instance reports routing by. */
record BucketFlip(ShardMaps maps) implements MoveFlip {

    @Override
    public long flip(MoveRecord move, MoveClaim claim) {
        try {
            return maps.setBucket(move.database(), move.tables().getFirst(), move.remainder() + " of " + move.modulus(), move.target(),
                    claim).version();
        } catch (RuntimeException e) {
            // The change may have been made before its answer was lost: the store's map says.
            Long version = flipped(move);
            if (version != null) {
                return version;
            }
            throw new MoveRefusedException("the bucket map could not be changed: " + e.getMessage());
        }
    }

    @Override
    public Long flipped(MoveRecord move) {
        BucketMaps stored = maps.store().load();
        BucketMap map = stored.of(move.database()).get(move.tables().getFirst());
        if (map == null) {
            return null;
        }
        for (BucketMap.Bucket b : map.placement()) {
            if (b.modulus() == move.modulus() && b.remainder() == move.remainder()) {
                return b.shard().equals(move.target()) ? stored.version() : null;
            }
        }
        return null;
    }

    @Override
    public void complete(MoveRecord move) {
        // One change of the map: made whole or not at all.
    }

    @Override
    public Set<String> awaitRouting(MoveRow row, long version, Duration bound) throws InterruptedException {
        return row.waitBehind(version, bound);
    }
}
