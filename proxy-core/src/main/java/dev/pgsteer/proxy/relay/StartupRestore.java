package dev.pgsteer.proxy.relay;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.ConnectionStateWatch;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.relay.prepared.StatementRelay;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the session's startup values back after a RESET (of a setting the client gave in its startup
 * packet, or RESET ALL): PostgreSQL resets to those, but a pooled connection's own defaults are the
 * login's. Holds the ReadyForQuery that ends the RESET meanwhile, relaying what the backend reports
 * about the values, so the client sees the values PostgreSQL would have reset to.
 */
final class StartupRestore {
    private static final Logger log = LoggerFactory.getLogger(StartupRestore.class);

    private final ClientSession session;
    private final Channel client;
    private final Lease lease;
    private final ConnectionStateWatch watch;
    private final StatementRelay statements;
    private final BackendReplies replies;

    StartupRestore(ClientSession session, Lease lease, ConnectionStateWatch watch, StatementRelay statements, BackendReplies replies) {
        this.session = session;
        this.client = session.channel();
        this.lease = lease;
        this.watch = watch;
        this.statements = statements;
        this.replies = replies;
    }

    /**
     * A RESET came to its ReadyForQuery ({@code status}) with nothing else under way: puts the startup
     * values back and returns true, the ReadyForQuery held until that is done; or returns false when
     * there is nothing to put back, the ReadyForQuery the caller's to relay.
     */
    boolean afterReset(BackendConnection connection, Frame readyForQuery, TransactionStatus status) {
        boolean all = watch.restoreAll();
        Set<String> names = Set.copyOf(watch.restoreNames());
        watch.restored();
        // After a failed statement the RESET is undone with the transaction: nothing to put back.
        String restore = status == TransactionStatus.FAILED ? null
                : session.settings().restoreStartupStatement(all, names);
        if (restore == null) {
            return false;
        }
        restoreThenRelay(connection, restore, status, all, names, statements.onBackendFrame(readyForQuery, connection));
        return true;
    }

    /**
     * It runs in the transaction the RESET ran in ({@code status}), as the RESET's own change does: a
     * rollback undoes both.
     */
    private void restoreThenRelay(BackendConnection connection, String restore, TransactionStatus status, boolean all,
                                  Set<String> names, ByteBuf readyForQuery) {
        lease.restoringStartup();
        EventLoop loop = client.eventLoop();
        connection.runInternal(restore, loop, reported -> onLoop(loop, () -> {
            session.settings().set(reported.name(), reported.value());
            client.write(reported, client.voidPromise());
        }), status).addListener(f -> {
            lease.ownStatementDone(connection);
            if (session.phase() == Phase.CLOSED || !lease.holds(connection)) {
                readyForQuery.release();
                return;
            }
            if (!f.isSuccess()) {
                if (!connection.isUsable()) {
                    readyForQuery.release();
                    lease.discard();
                    session.terminate(ProxyErrors.backendLost(connection.target().name()));
                    return;
                }
                // The backend refused a startup value it accepted at the session's start (a setting
                // since removed, say): the session goes on with the backend's default for it.
                log.warn("{}: could not put startup settings back after RESET: {}", session.id(), f.cause().getMessage());
            } else {
                session.settings().restoredStartup(connection, all, names);
            }
            connection.attach(replies);
            client.write(readyForQuery, client.voidPromise());
            client.flush();
            replies.resumeAfterOwnStatement(connection, status);
        });
    }

    private static void onLoop(EventLoop loop, Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }
}
