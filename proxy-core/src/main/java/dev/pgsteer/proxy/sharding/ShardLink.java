package dev.pgsteer.proxy.sharding;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.pool.BackendPool;

/**
 * A session's hold on one shard: the connection it leased there, and whether that connection is in
 * the session's transaction (pgsteer sent its BEGIN).
 */
final class ShardLink {
    final String shard;
    final BackendPool pool;
    final BackendConnection connection;
    /** A BEGIN was sent: the connection is in the session's (explicit or implicit) transaction. */
    boolean inTransaction;
    TransactionStatus status = TransactionStatus.IDLE;

    ShardLink(String shard, BackendPool pool, BackendConnection connection) {
        this.shard = shard;
        this.pool = pool;
        this.connection = connection;
    }

    @Override
    public String toString() {
        return shard + ":" + connection;
    }
}
