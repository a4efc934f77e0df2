package dev.pgsteer.proxy.sharding.execute;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.pool.BackendPool;

/**
 * A session's hold on one shard: the connection it leased there, whether that connection is in
 * the session's transaction (pgsteer sent its BEGIN), and the transaction status its last
 * ReadyForQuery reported.
 */
public final class ShardLink {
    private final String shard;
    private final BackendPool pool;
    private final BackendConnection connection;
    /** A BEGIN was sent: the connection is in the session's (explicit or implicit) transaction. */
    private boolean inTransaction;
    private TransactionStatus status;

    ShardLink(String shard, BackendPool pool, BackendConnection connection, boolean inTransaction) {
        this.shard = shard;
        this.pool = pool;
        this.connection = connection;
        this.inTransaction = inTransaction;
        this.status = inTransaction ? TransactionStatus.IN_TRANSACTION : TransactionStatus.IDLE;
    }

    public String shard() {
        return shard;
    }

    public BackendPool pool() {
        return pool;
    }

    public BackendConnection connection() {
        return connection;
    }

    /** Whether pgsteer brought the connection into the session's transaction. */
    public boolean inTransaction() {
        return inTransaction;
    }

    /** The status the shard's last ReadyForQuery reported. */
    public TransactionStatus status() {
        return status;
    }

    /** In the session's transaction, or left in one of its own (a statement's BEGIN): it must end before reuse. */
    public boolean holdsTransaction() {
        return inTransaction || status != TransactionStatus.IDLE;
    }

    /** A BEGIN (with the transaction's savepoints) ran on it. */
    void joinedTransaction() {
        inTransaction = true;
        status = TransactionStatus.IN_TRANSACTION;
    }

    /** The session's transaction ended on it (committed or rolled back). */
    public void leftTransaction() {
        inTransaction = false;
        status = TransactionStatus.IDLE;
    }

    /** The shard's ReadyForQuery (a request's, or one of pgsteer's own steps that reads the answers itself). */
    public void reported(TransactionStatus status) {
        this.status = status;
    }

    @Override
    public String toString() {
        return shard + ":" + connection;
    }
}
