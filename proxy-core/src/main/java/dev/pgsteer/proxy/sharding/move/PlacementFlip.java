package dev.pgsteer.proxy.sharding.move;

import dev.pgsteer.config.store.MoveClaim;
import dev.pgsteer.config.store.MoveRecord;
import java.time.Duration;
import java.util.Set;

/**
 * The flip of a tenant or a directory key: the tenant's shard in the tenant directory first, then its
 * key in the key directory (a shared tenant has both; a schema tenant no key; MOVE KEY no tenant).
 * The first change is the flip; a move resumed between the two makes the second ({@link #complete}).
 * Its version is the key directory's after the key's change (the tenant's version without a key); each
 * instance acknowledges {@code routes} once its own copies of both directories have the change.
 */
record PlacementFlip(TenantPlacing placing) implements MoveFlip {

    static final String ROUTES = "routes";

    @Override
    public long flip(MoveRecord move, MoveClaim claim) {
        try {
            long version = 0;
            if (move.subject() != null) {
                version = placing.placeTenant(move.subject(), move.target());
            }
            if (move.keyValue() != null) {
                version = placing.assignKey(move, move.target());
            }
            return Math.max(version, 1);
        } catch (MoveRefusedException e) {
            throw e;
        } catch (RuntimeException e) {
            Long version = flipped(move);
            if (version != null) {
                complete(move);
                return version;
            }
            throw new MoveRefusedException("the directory could not be changed: " + e.getMessage());
        }
    }

    @Override
    public Long flipped(MoveRecord move) {
        if (move.subject() != null) {
            var tenant = placing.tenant(move.subject());
            if (tenant.isEmpty() || !tenant.get().shard().equals(move.target())) {
                return null;
            }
            return move.keyValue() != null ? Math.max(placing.keys().version(), 1) : Math.max(tenant.get().version(), 1);
        }
        return placing.keyShard(move).filter(move.target()::equals).map(s -> Math.max(placing.keys().version(), 1)).orElse(null);
    }

    @Override
    public void complete(MoveRecord move) {
        if (move.subject() != null && move.keyValue() != null
                && !placing.keyShard(move).filter(move.target()::equals).isPresent()) {
            placing.assignKey(move, move.target());
        }
    }

    @Override
    public Set<String> awaitRouting(MoveRow row, long version, Duration bound) throws InterruptedException {
        return row.waitAcks(ROUTES, bound);
    }
}
