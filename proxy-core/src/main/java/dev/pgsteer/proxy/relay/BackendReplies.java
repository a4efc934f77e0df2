package dev.pgsteer.proxy.relay;

import static dev.pgsteer.protocol.message.MessageType.BackendBytes.NOTIFICATION_RESPONSE;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.ConnectionStateWatch;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.relay.prepared.StatementRelay;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leased connection's side of a {@link PooledRelay}: its answers go to the client, and at each
 * ReadyForQuery the lease is given back, kept, or first used for pgsteer's own statement (the
 * startup values put back after a RESET, the settings read back after a transaction).
 */
final class BackendReplies implements BackendListener, ReplyInspector.Events {
    private static final Logger log = LoggerFactory.getLogger(BackendReplies.class);

    private final ClientSession session;
    private final Channel client;
    private final PooledRelay relay;
    private final Lease lease;
    private final PendingFrames pending;
    private final MessageTail tail;
    private final StatementClock clock;
    private final ConnectionStateWatch watch;
    private final Pinning pinning;
    private final StatementRelay statements;
    /** Null when the backend is fixed at login. */
    private final TargetSwitch targets;
    private final ReplyInspector inspector;
    private final StartupRestore startupRestore;
    private final SettingsReadBack readBack;

    BackendReplies(PooledRelay relay, ClientSession session, Lease lease, PendingFrames pending, MessageTail tail,
                   StatementClock clock, ConnectionStateWatch watch, Pinning pinning, StatementRelay statements,
                   TargetSwitch targets) {
        this.relay = relay;
        this.session = session;
        this.client = session.channel();
        this.lease = lease;
        this.pending = pending;
        this.tail = tail;
        this.clock = clock;
        this.watch = watch;
        this.pinning = pinning;
        this.statements = statements;
        this.targets = targets;
        this.inspector = new ReplyInspector(session, watch, statements, pinning, this);
        this.startupRestore = new StartupRestore(session, lease, watch, statements, this);
        this.readBack = new SettingsReadBack(session, lease, watch, this, relay);
    }

    @Override
    public EventExecutor executor() {
        return client.eventLoop();
    }

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        if (!lease.holds(connection)) {
            // Only a frame handed across event loops after its connection went back can land here.
            log.warn("{}: dropped {} from {}, which this session no longer holds", session.id(), frame, connection);
            frame.release();
            return;
        }
        if (targets != null && frame.type() == NOTIFICATION_RESPONSE && (frame = targets.fromBackend(frame)) == null) {
            return; // another tenant's channel
        }
        if (inspector.inspect(connection, frame)) {
            return;
        }
        ByteBuf relayed = statements.onBackendFrame(frame, connection);
        if (relayed != null) {
            client.write(relayed, client.voidPromise());
        }
    }

    @Override
    public void readyForQuery(BackendConnection connection, Frame frame, TransactionStatus status) {
        session.transactionStatus(status);
        clock.answered();
        statements.readyForQuery(status);
        if (watch.restoreDue() && !clock.awaitingAnswers() && pending.isEmpty()
                && startupRestore.afterReset(connection, frame, status)) {
            return;
        }
        client.write(statements.onBackendFrame(frame, connection), client.voidPromise());
        afterReadyForQuery(status);
    }

    @Override
    public boolean streamsLargeMessages() {
        return true;
    }

    /** The rest of a large DataRow or CopyData: written on as it is read; the client's writability paces the backend. */
    @Override
    public void onBackendChunk(BackendConnection connection, FrameChunk chunk) {
        if (!lease.holds(connection)) {
            chunk.release();
            return;
        }
        client.write(chunk.content(), client.voidPromise());
    }

    private void afterReadyForQuery(TransactionStatus status) {
        // Not while a large message is still being written to the connection: the rest of it must follow.
        if (status == TransactionStatus.IDLE && !clock.awaitingAnswers() && pending.isEmpty() && !tail.passing()
                && !pinning.keepsConnection()) {
            // Once released, this connection's read-complete no longer reaches us: flush now.
            client.flush();
            if (watch.captureDue()) {
                readBack.readThenResume(lease.connection());
            } else {
                relay.releaseLease();
            }
        }
        if (targets != null && targets.holding() && relay.quiet()) {
            targets.drain();
        }
    }

    /** pgsteer's own statement is done: the frames that waited go on, or the connection goes back. */
    void resumeAfterOwnStatement(BackendConnection connection, TransactionStatus status) {
        if (pending.isEmpty()) {
            afterReadyForQuery(status);
            relay.updateAutoRead();
            return;
        }
        Frame next;
        while ((next = pending.poll()) != null) {
            relay.forward(next);
        }
        connection.flush();
        relay.updateAutoRead();
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        client.flush();
    }

    @Override
    public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
        relay.updateAutoRead();
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        if (!lease.holds(connection)) {
            return;
        }
        lease.discard();
        if (session.phase() != Phase.CLOSED) {
            if (inspector.backendSentFatal()) {
                session.closed();
                client.flush();
                client.close();
            } else {
                session.terminate(ProxyErrors.backendLost(connection.target().name()));
            }
        }
    }
}
