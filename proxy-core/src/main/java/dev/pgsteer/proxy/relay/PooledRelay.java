package dev.pgsteer.proxy.relay;

import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.BIND;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.FUNCTION_CALL;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.PARSE;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.QUERY;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.SYNC;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.TERMINATE;

import dev.pgsteer.config.PoolMode;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.protocol.wire.FrameHead;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.ConnectionStateWatch;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.client.SessionGate;
import dev.pgsteer.proxy.client.SessionGreeting;
import dev.pgsteer.proxy.client.SessionRelay;
import dev.pgsteer.proxy.observe.ProxyMetrics;
import dev.pgsteer.proxy.observe.SlowStatementLog;
import dev.pgsteer.proxy.observe.StatementTexts;
import dev.pgsteer.proxy.relay.prepared.StatementRelay;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays an authenticated session's frames to a leased backend connection and the answers back,
 * as bytes, for a database on one backend. Under transaction pooling a connection is leased at the
 * session's first message and returned at the ReadyForQuery 'I' that answers the last Sync or Query
 * sent; under session pooling, or once the session changed state that cannot follow it to another
 * connection, it keeps one.
 *
 * <p>This class takes the client's side and coordinates; the other jobs are its parts':
 * {@link Lease} (the connection held, and its states), {@link BackendReplies} (the connection's
 * side: answers back, and whether the lease ends at a ReadyForQuery), {@link Pinning},
 * {@link PendingFrames}, {@link ConnectionlessAnswers}, {@link StatementClock}, {@link TargetSwitch}
 * (a gated session's targets), {@link ConnectionReturn} (the end of the session) and
 * {@link StatementRelay} (prepared statements across connections).
 *
 * <p>Everything here runs on the client's event loop; a connection on another loop hands its frames
 * over to this one.
 */
public final class PooledRelay implements SessionRelay {
    private static final Logger log = LoggerFactory.getLogger(PooledRelay.class);

    private final ClientSession session;
    private final Channel client;
    private final PoolMode mode;
    private final StatementRelay statements;
    private final Lease lease;
    /** Chooses the target of each frame (a tenant database); null when the backend is fixed at login. */
    private final TargetSwitch targets;
    /** The rest of a large Bind or CopyData whose head is among the frames: it follows the head (see MessageTail). */
    private final MessageTail tail = new MessageTail();
    private final PendingFrames pending = new PendingFrames(tail);
    private final ConnectionStateWatch watch = new ConnectionStateWatch();
    private final Pinning pinning;
    private final ConnectionlessAnswers connectionless;
    private final StatementClock clock;
    private final BackendReplies replies;
    /**
     * Frames of one read from the client are being handed in; its read-complete flushes the lease.
     * A lease that completes meanwhile must not flush on its own: its first frame would go out
     * alone, one more system call per transaction (Parse, then Bind/Execute/Sync).
     */
    private boolean readingClient;

    public PooledRelay(ClientSession session, BackendPool pool, PoolMode mode, ProxyMetrics metrics, StatementRelay statements,
                       SlowStatementLog slowStatements) {
        this(session, pool, mode, metrics, statements, slowStatements, null);
    }

    /** A relay whose pool {@code gate} chooses, frame by frame; its first pool is the gate's initial target's. */
    public PooledRelay(ClientSession session, SessionGate gate, PoolMode mode, ProxyMetrics metrics, StatementRelay statements,
                       SlowStatementLog slowStatements) {
        this(session, null, mode, metrics, statements, slowStatements, gate);
    }

    private PooledRelay(ClientSession session, BackendPool pool, PoolMode mode, ProxyMetrics metrics, StatementRelay statements,
                        SlowStatementLog slowStatements, SessionGate gate) {
        this.session = session;
        this.client = session.channel();
        this.mode = mode;
        this.statements = statements;
        this.lease = new Lease(session, pool);
        this.targets = gate == null ? null : new TargetSwitch(gate, lease, this);
        this.clock = new StatementClock(metrics.statements(session.database(), ProxyMetrics.RouteKind.UNPARSED),
                new StatementTexts(slowStatements, session.id()));
        this.pinning = new Pinning(session, mode, watch, statements, metrics, lease);
        this.connectionless = new ConnectionlessAnswers(session, statements, pinning, lease);
        this.replies = new BackendReplies(this, session, lease, pending, tail, clock, watch, pinning, statements, targets);
    }

    /** Where the lease is in its machine (see {@link Lease}); for tests that read the machine from the outside. */
    Lease.LeaseState leaseState() {
        return lease.state();
    }

    // --- login: the first connection confirms the backend is there and tells the parameters ---

    @Override
    public void connect() {
        client.config().setAutoRead(false);
        lease.acquire(ErrorResponse.Severity.FATAL, this::greet, session::terminate);
    }

    private void greet(BackendConnection connection) {
        pinning.reported(connection.loginParameters());
        log.debug("{}: first backend connection ready: {}", session.id(), connection);
        SessionGreeting.send(session, connection);
        client.flush();
        session.ready();
        if (mode == PoolMode.SESSION) {
            attach(connection);
        } else {
            lease.pool().release(connection);
            if (!pending.isEmpty()) {
                acquire();
            }
        }
        updateAutoRead();
    }

    // --- frames from the client ---

    /**
     * The client's messages this relay takes in pieces when they are large: Binds, whose values
     * follow the statement name the relay renames, and CopyData. A Query, Parse or FunctionCall is
     * read whole (its text is scanned for state that pins the session, or kept for the statement).
     */
    public static boolean streams(byte type) {
        return type == 'B' || type == 'd';
    }

    @Override
    public void onClientFrame(Frame frame) {
        readingClient = true;
        if (frame instanceof FrameHead) {
            tail.headArrived();
        }
        byte type = frame.type();
        if (type == TERMINATE) {
            frame.release();
            session.closed();
            client.close();
            return;
        }
        if (session.phase() == Phase.FAILED_UNTIL_SYNC) {
            frame.release();
            if (frame instanceof FrameHead) {
                tail.headDropped();
            }
            if (type == SYNC) {
                session.ready();
                client.writeAndFlush(new ReadyForQuery(session.transactionStatus()));
            }
            return;
        }
        if (targets != null) {
            targets.admit(frame);
        } else {
            relay(frame);
        }
        if (tail.waiting()) {
            // The head waits for a connection or its turn: so must the rest of the message, and
            // only what this read brought may wait in memory.
            updateAutoRead();
        }
    }

    /** Bytes of the large message whose head came last: after the head, wherever it went. */
    @Override
    public void onClientChunk(FrameChunk chunk) {
        tail.onChunk(chunk);
        if (lease.held() && !lease.connection().isWritable()) {
            updateAutoRead();
        }
    }

    /** One frame on the session's current target: to the connection, answered here, or queued until there is one. */
    void relay(Frame frame) {
        if (lease.attached() && pending.isEmpty()) {
            forward(frame);
            return;
        }
        if (lease.none() && pending.isEmpty() && connectionless.answered(frame, readingClient)) {
            return;
        }
        pending.add(frame);
        if (lease.none() && session.phase() == Phase.READY) {
            acquire();
        }
    }

    /** Runs {@code task} on the session's event loop (where everything of this relay runs). */
    void onLoop(Runnable task) {
        client.eventLoop().execute(task);
    }

    /** Frames relayed outside a read of the client (after a hold) go out now, not at a read's end. */
    void flushLease() {
        if (lease.held()) {
            lease.connection().flush();
        }
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Nothing under way: no connection on its way, no statement of pgsteer's own running, no request unanswered, none queued. */
    boolean quiet() {
        return lease.settled() && !clock.awaitingAnswers() && pending.isEmpty();
    }

    @Override
    public void onClientReadComplete() {
        readingClient = false;
        if (lease.held()) {
            lease.connection().flush();
        }
    }

    @Override
    public void onClientWritabilityChanged() {
        if (lease.held()) {
            lease.connection().setAutoRead(client.isWritable());
        }
    }

    /** One frame to the connection held. */
    void forward(Frame frame) {
        BackendConnection connection = lease.connection();
        clock.sent(frame);
        if (targets != null && targets.ownParse(frame)) {
            statements.forwardOwnParse(frame, connection);
            return;
        }
        byte type = frame.type();
        if (type == QUERY || type == PARSE || type == FUNCTION_CALL) {
            if (targets == null || !targets.gateSet(frame)) {
                pinning.onStatement(frame);
            }
        } else if (type == BIND) {
            pinning.onBind(frame);
        }
        statements.forward(frame, connection);
        if (frame instanceof FrameHead) {
            tail.headWritten(connection.channel());
        }
        if (!connection.isWritable()) {
            updateAutoRead();
        }
    }

    /** Leases a connection for the pending frames. */
    private void acquire() {
        lease.acquire(ErrorResponse.Severity.ERROR, this::attach, this::failPending);
        if (lease.acquiring()) {
            // Still waiting for a connection: stop reading the client meanwhile. Most leases complete
            // at once (an idle connection on this loop), and then autoRead is never touched: toggling
            // it costs two epoll_ctl calls per transaction.
            updateAutoRead();
        }
    }

    private void attach(BackendConnection connection) {
        lease.attach(connection);
        statements.reset();
        connection.attach(replies);
        Frame frame;
        while ((frame = pending.poll()) != null) {
            forward(frame);
        }
        if (!readingClient) {
            connection.flush();
        }
        updateAutoRead();
    }

    /**
     * pgsteer could not run the pending messages (no connection). The client gets one error and,
     * for each Query or Sync it sent, the ReadyForQuery it waits for; if its batch has no Sync yet,
     * the rest of the batch is dropped until it comes, as a backend does after an error.
     */
    private void failPending(ErrorResponse error) {
        int syncPoints = pending.dropAll();
        session.send(error);
        if (syncPoints == 0) {
            session.failUntilSync();
        }
        for (int i = 0; i < syncPoints; i++) {
            session.send(new ReadyForQuery(session.transactionStatus()));
        }
        client.flush();
        updateAutoRead();
        if (targets != null && targets.holding()) {
            targets.drain();
        }
    }

    /** The connection was discarded while pgsteer's own statement ran on it: the frames that waited need another. */
    void leaseLost() {
        if (!pending.isEmpty() && !lease.acquiring()) {
            acquire();
        }
        updateAutoRead();
    }

    /** The transaction is over and nothing keeps the connection: it goes back to its pool. */
    void releaseLease() {
        statements.leaseEnded();
        lease.release();
        updateAutoRead();
    }

    void updateAutoRead() {
        boolean read = !lease.acquiring() && (targets == null || !targets.holding())
                && (!lease.held() || lease.connection().isWritable()) && !tail.waiting()
                && session.phase() != Phase.CLOSED;
        if (client.config().isAutoRead() != read) {
            client.config().setAutoRead(read);
        }
    }

    // --- the end of the session, and cancels ---

    /** The client's socket closed. Its connection goes back clean, or not at all. */
    @Override
    public void onClientClosed() {
        session.closed();
        pending.releaseAll();
        // The connection has the start of a message whose end will never come: it cannot serve anyone.
        boolean messageCut = tail.passing();
        tail.close();
        statements.close();
        if (targets != null) {
            targets.close();
        }
        pinning.sessionEnded();
        if (!lease.held()) {
            return;
        }
        boolean unfinished = clock.awaitingAnswers() || lease.ownStatementRunning() || messageCut;
        BackendConnection connection = lease.drop();
        connection.detach();
        ConnectionReturn.giveBack(lease.pool(), connection, unfinished,
                session.transactionStatus() != TransactionStatus.IDLE,
                // Settings changed since they were last read: DISCARD ALL takes them off, whatever they are.
                pinning.keepsConnection() || watch.captureDue());
    }

    /** A CancelRequest quoted this session's key: cancel what its connection runs now, if anything. */
    @Override
    public void cancel() {
        BackendConnection connection = lease.connection();
        if (connection != null && clock.awaitingAnswers() && connection.keyData() != null) {
            lease.pool().connector().cancel(connection.target(), connection.keyData(), client.eventLoop());
        }
    }
}
