package dev.pgsteer.proxy.relay;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.ConnectionStateWatch;
import dev.pgsteer.proxy.client.Phase;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At the end of a transaction in which the session may have changed settings the backend does not
 * report (a SET inside a transaction, a function that sets one): reads them on the connection before
 * it goes back, so the session finds them on its next one.
 */
final class SettingsReadBack {
    private static final Logger log = LoggerFactory.getLogger(SettingsReadBack.class);

    private final ClientSession session;
    private final Lease lease;
    private final ConnectionStateWatch watch;
    private final BackendReplies replies;
    private final PooledRelay relay;

    SettingsReadBack(ClientSession session, Lease lease, ConnectionStateWatch watch, BackendReplies replies, PooledRelay relay) {
        this.session = session;
        this.lease = lease;
        this.watch = watch;
        this.replies = replies;
        this.relay = relay;
    }

    /**
     * The transaction is over: read the settings on the connection held. The client has its
     * ReadyForQuery already; what it sends meanwhile waits.
     */
    void readThenResume(BackendConnection connection) {
        lease.readingBack();
        connection.queryInternal(session.settings().captureStatement(watch.captureNames(), watch.captureAll(),
                        connection.loginParameters()), session.channel().eventLoop(), TransactionStatus.IDLE)
                .addListener(f -> {
                    lease.ownStatementDone(connection);
                    if (session.phase() == Phase.CLOSED || !lease.holds(connection)) {
                        return;
                    }
                    if (!f.isSuccess()) {
                        log.warn("{}: could not read the session's settings on {}: {}", session.id(), connection,
                                f.cause().getMessage());
                        lease.discard();
                        relay.leaseLost();
                        return;
                    }
                    @SuppressWarnings("unchecked")
                    List<List<String>> rows = (List<List<String>>) f.getNow();
                    session.settings().captured(rows, connection);
                    watch.captured();
                    connection.attach(replies);
                    replies.resumeAfterOwnStatement(connection, TransactionStatus.IDLE);
                });
    }
}
