package dev.pgsteer.proxy.sharding.move;

/**
 * This instance's own copies of the tenant directory and the key directory: a tenant or key move lets
 * its held statements go, and acknowledges that it routes by the flip, once they have the change.
 */
public interface LocalPlacement {

    /** The shard this instance sends tenant {@code id}'s sessions to; null when it does not know the tenant. */
    String tenantShard(String id);

    /** The key directory's version whose changes reached this instance's caches. */
    long keysSeen();

    LocalPlacement NONE = new LocalPlacement() {
        @Override
        public String tenantShard(String id) {
            return null;
        }

        @Override
        public long keysSeen() {
            return 0;
        }
    };
}
