package dev.pgsteer.proxy.relay;

import dev.pgsteer.config.PoolMode;
import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.codec.FrameChunk;
import dev.pgsteer.protocol.codec.FrameHead;
import dev.pgsteer.protocol.codec.StatementFrames;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.ProxyErrors;
import dev.pgsteer.proxy.ProxyMetrics;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.backend.BackendPool;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.ConnectionStateWatch;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.client.SessionGate;
import dev.pgsteer.proxy.client.SessionRelay;
import dev.pgsteer.proxy.logging.SlowStatementLog;
import dev.pgsteer.proxy.logging.StatementTexts;
import dev.pgsteer.proxy.statement.LocalAnswer;
import dev.pgsteer.proxy.statement.StatementRelay;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays an authenticated session's frames to a leased backend connection and the answers back,
 * as bytes, for a database on one backend. Under transaction pooling a connection is leased at the
 * session's first message and returned at the ReadyForQuery 'I' that answers the last Sync or Query
 * sent; under session pooling, or once the session changed state that cannot follow it to another
 * connection, it keeps one.
 *
 * <p>This class coordinates; the jobs are its parts': {@link Lease} (the connection held and its
 * states), {@link ReplyInspector} (what the backend tells in passing), {@link StartupRestore} and
 * {@link SettingsReadBack} (pgsteer's own statements on the lease), {@link StatementClock} (timing),
 * {@link TargetSwitch} (a gated session's targets), {@link ConnectionReturn} (the end of the session),
 * {@link StatementRelay} (prepared statements across connections).
 *
 * <p>Everything here runs on the client's event loop; a connection on another loop hands its frames
 * over to this one.
 */
public final class PooledRelay implements BackendListener, SessionRelay {
    private static final Logger log = LoggerFactory.getLogger(PooledRelay.class);
    private static final byte QUERY = 'Q';
    private static final byte SYNC = 'S';
    private static final byte FUNCTION_CALL = 'F';
    private static final byte TERMINATE = 'X';
    private static final byte PARSE = 'P';
    private static final byte BIND = 'B';
    private static final byte FLUSH = 'H';
    private static final byte NOTIFICATION = 'A';

    private final ClientSession session;
    private final Channel client;
    private final PoolMode mode;
    private final ProxyMetrics metrics;
    private final StatementRelay statements;
    private final Lease lease;
    /** Chooses the target of each frame (a tenant database); null when the backend is fixed at login. */
    private final TargetSwitch targets;
    private final ArrayDeque<Frame> pending = new ArrayDeque<>();
    /** The rest of a large Bind or CopyData whose head is among the frames: it follows the head (see MessageTail). */
    private final MessageTail tail = new MessageTail();
    private final ConnectionStateWatch watch = new ConnectionStateWatch();
    private final ReplyInspector inspector;
    private final StartupRestore startupRestore;
    private final SettingsReadBack readBack;
    private final StatementClock clock;
    /** The settings the backend reports (ParameterStatus), as the login's connection told them. */
    private Map<String, String> reported = Map.of();
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
        this.metrics = metrics;
        this.statements = statements;
        this.lease = new Lease(session, pool);
        this.targets = gate == null ? null : new TargetSwitch(gate, lease, this);
        this.clock = new StatementClock(metrics.statements(session.database(), ProxyMetrics.RouteKind.UNPARSED),
                new StatementTexts(slowStatements, session.id()));
        this.inspector = new ReplyInspector(session, watch, statements, new ReplyInspector.Events() {
            @Override
            public void readyForQuery(BackendConnection connection, Frame readyForQuery, TransactionStatus status) {
                onReadyForQuery(connection, readyForQuery, status);
            }

            @Override
            public void pinned(String reason) {
                pinnedBy(reason);
            }
        });
        this.startupRestore = new StartupRestore(session, lease, watch, statements, this);
        this.readBack = new SettingsReadBack(session, lease, watch, this);
    }

    @Override
    public EventExecutor executor() {
        return client.eventLoop();
    }

    // --- login: the first connection confirms the backend is there and tells the parameters ---

    @Override
    public void connect() {
        client.config().setAutoRead(false);
        lease.acquire(ErrorResponse.Severity.FATAL, this::greet, session::terminate);
    }

    private void greet(BackendConnection connection) {
        reported = Map.copyOf(connection.loginParameters());
        log.debug("{}: first backend connection ready: {}", session.id(), connection);
        SessionGreeting.send(session, connection);
        client.flush();
        session.phase(Phase.READY);
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
            session.phase(Phase.CLOSED);
            client.close();
            return;
        }
        if (session.phase() == Phase.FAILED_UNTIL_SYNC) {
            frame.release();
            if (frame instanceof FrameHead) {
                tail.headDropped();
            }
            if (type == SYNC) {
                session.phase(Phase.READY);
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

    /** One frame on the session's current target: to the connection, or queued until there is one. */
    void relay(Frame frame) {
        if (lease.attached() && pending.isEmpty()) {
            forward(frame);
            return;
        }
        if (lease.none() && pending.isEmpty() && answeredWithoutConnection(frame)) {
            return;
        }
        pending.add(frame);
        if (lease.none() && session.phase() == Phase.READY) {
            acquire();
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

    private void forward(Frame frame) {
        BackendConnection connection = lease.connection();
        clock.sent(frame);
        if (targets != null && targets.ownParse(frame)) {
            statements.forwardOwnParse(frame, connection);
            return;
        }
        byte type = frame.type();
        if (type == QUERY || type == PARSE || type == FUNCTION_CALL) {
            if (targets == null || !targets.gateSet(frame)) {
                pinnedBy(watch.onStatement(frame, reported, session.settings().backslashQuotes()));
            }
        } else if (type == BIND) {
            pinnedBy(watch.onBind(frame));
        }
        statements.forward(frame, connection);
        if (frame instanceof FrameHead) {
            tail.headWritten(connection.channel());
        }
        if (!connection.isWritable()) {
            updateAutoRead();
        }
    }

    /**
     * Answers, while the session holds no connection and has nothing under way, what PostgreSQL
     * would answer the same way on any connection: a Sync (ReadyForQuery, idle), a Flush, and what
     * the statement relay answers (a Parse of a statement known valid in the session's scope, a
     * Close, SQL DEALLOCATE of one of the session's names). A client that prepares synchronously
     * (PQprepare) must not wait here for a connection: a sibling on its thread may hold the last
     * one in an open transaction, and cannot end it while the thread waits. Not while the client
     * is slow to read what it is sent, where answers would pile up in pgsteer instead.
     */
    private boolean answeredWithoutConnection(Frame frame) {
        if (session.phase() != Phase.READY || session.transactionStatus() != TransactionStatus.IDLE || !client.isWritable()) {
            return false;
        }
        byte type = frame.type();
        if (type == SYNC || type == FLUSH) {
            frame.release();
            if (type == SYNC) {
                session.send(ReadyForQuery.IDLE);
            }
            flushUnlessReading();
            return true;
        }
        if (type == PARSE) {
            if (StatementFrames.parsesUnnamed(frame)) {
                // The unnamed statement lives on the connection its Bind runs on; the common case, told from one byte.
                return false;
            }
            String reason = watch.onStatement(frame, reported, session.settings().backslashQuotes());
            if (reason != null) {
                // Its statement's state stays on a connection: it must run on one, which the session keeps.
                pinnedBy(reason);
                return false;
            }
        }
        LocalAnswer answer = statements.answerWithoutConnection(frame, lease.pool().target());
        if (answer == LocalAnswer.NONE) {
            return false;
        }
        client.write(answer.message(), client.voidPromise());
        if (answer.completesQuery()) {
            session.send(ReadyForQuery.IDLE);
        }
        flushUnlessReading();
        return true;
    }

    /** The client's read-complete flushes what was written while its frames were handed in. */
    private void flushUnlessReading() {
        if (!readingClient) {
            client.flush();
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
        connection.attach(this);
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
        int syncPoints = 0;
        Frame frame;
        while ((frame = pending.poll()) != null) {
            if (StatementClock.endsRequest(frame.type())) {
                syncPoints++;
            }
            if (frame instanceof FrameHead) {
                tail.headDropped();
            }
            frame.release();
        }
        session.send(error);
        if (syncPoints == 0) {
            session.phase(Phase.FAILED_UNTIL_SYNC);
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

    // --- frames from the backend ---

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        if (!lease.holds(connection)) {
            // Only a frame handed across event loops after its connection went back can land here.
            log.warn("{}: dropped {} from {}, which this session no longer holds", session.id(), frame, connection);
            frame.release();
            return;
        }
        if (targets != null && frame.type() == NOTIFICATION && (frame = targets.fromBackend(frame)) == null) {
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

    private void onReadyForQuery(BackendConnection connection, Frame frame, TransactionStatus status) {
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
                && !keepsConnection()) {
            // Once released, this connection's read-complete no longer reaches us: flush now.
            client.flush();
            if (watch.captureDue()) {
                readBack.readThenResume(lease.connection());
            } else {
                releaseLease();
            }
        }
        if (targets != null && targets.holding() && quiet()) {
            targets.drain();
        }
    }

    /** pgsteer's own statement is done: the frames that waited go on, or the connection goes back. */
    void resumeAfterOwnStatement(BackendConnection connection, TransactionStatus status) {
        if (pending.isEmpty()) {
            afterReadyForQuery(status);
            updateAutoRead();
            return;
        }
        Frame next;
        while ((next = pending.poll()) != null) {
            forward(next);
        }
        connection.flush();
        updateAutoRead();
    }

    /** The connection was discarded while pgsteer's own statement ran on it: the frames that waited need another. */
    void leaseLost() {
        if (!pending.isEmpty() && !lease.acquiring()) {
            acquire();
        }
        updateAutoRead();
    }

    private boolean keepsConnection() {
        return mode == PoolMode.SESSION || watch.pinned();
    }

    /**
     * The session changed something on its connection that pgsteer does not carry to another one
     * (a setting the backend does not report, LISTEN): from now on it keeps this connection.
     */
    private void pinnedBy(String reason) {
        if (reason != null) {
            session.markPinned(reason);
            statements.sessionPinned();
            metrics.sessionPinned();
            log.info("{}: pinned to {} by {}", session.id(), lease.held() ? lease.connection() : "its next connection", reason);
        }
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        client.flush();
    }

    @Override
    public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
        updateAutoRead();
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        if (!lease.holds(connection)) {
            return;
        }
        lease.discard();
        if (session.phase() != Phase.CLOSED) {
            if (inspector.backendSentFatal()) {
                session.phase(Phase.CLOSED);
                client.flush();
                client.close();
            } else {
                session.terminate(ProxyErrors.backendLost(connection.target().name()));
            }
        }
    }

    private void releaseLease() {
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
        session.phase(Phase.CLOSED);
        Frame frame;
        while ((frame = pending.poll()) != null) {
            frame.release();
        }
        // The connection has the start of a message whose end will never come: it cannot serve anyone.
        boolean messageCut = tail.passing();
        tail.close();
        statements.close();
        if (targets != null) {
            targets.close();
        }
        if (watch.pinned()) {
            metrics.pinnedSessionEnded();
        }
        if (!lease.held()) {
            return;
        }
        boolean unfinished = clock.awaitingAnswers() || lease.ownStatementRunning() || messageCut;
        BackendConnection connection = lease.drop();
        connection.detach();
        ConnectionReturn.giveBack(lease.pool(), connection, unfinished,
                session.transactionStatus() != TransactionStatus.IDLE,
                // Settings changed since they were last read: DISCARD ALL takes them off, whatever they are.
                keepsConnection() || watch.captureDue());
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
