package dev.pgsteer.proxy.relay;

import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * A session ended while it held a connection: the connection goes back to its pool clean, or not
 * at all. The session's listener is detached already; what runs here runs on the connection's loop.
 */
public final class ConnectionReturn {
    private ConnectionReturn() {
    }

    /**
     * {@code unfinished}: a statement still runs on the connection, its answer is unread, or the
     * connection has the start of a message whose end will never come. {@code inTransaction}: the
     * session left a transaction open. {@code dirty}: the session changed settings or state that the
     * next session must not find.
     */
    public static void giveBack(BackendPool pool, BackendConnection connection, boolean unfinished,
                                boolean inTransaction, boolean dirty) {
        if (unfinished) {
            // A statement is still running or its answer is unread: closing the socket makes the
            // backend abort it, which is safer than waiting for an answer no one will read.
            pool.discard(connection);
            return;
        }
        if (!inTransaction && !dirty) {
            pool.release(connection);
            return;
        }
        EventLoop backendLoop = connection.eventLoop();
        Future<Void> rolledBack = inTransaction ? connection.runInternal("ROLLBACK", backendLoop) : backendLoop.newSucceededFuture(null);
        rolledBack.addListener(r -> {
            if (!r.isSuccess()) {
                pool.discard(connection);
            } else if (dirty) {
                // DISCARD ALL cannot share a query string with ROLLBACK: it refuses to run in a transaction block.
                connection.runInternal("DISCARD ALL", backendLoop).addListener(d -> {
                    if (d.isSuccess()) {
                        connection.discardedAll();
                        pool.release(connection);
                    } else {
                        pool.discard(connection);
                    }
                });
            } else {
                pool.release(connection);
            }
        });
    }
}
