package dev.pgsteer.proxy.client;

import dev.pgsteer.config.PoolMode;
import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.codec.FrameChunk;
import dev.pgsteer.protocol.codec.FrameHead;
import dev.pgsteer.protocol.codec.StatementFrames;
import dev.pgsteer.protocol.message.BackendKeyData;
import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.ProxyErrors;
import dev.pgsteer.proxy.ProxyMetrics;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendErrorException;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.logging.SlowStatementLog;
import dev.pgsteer.proxy.logging.StatementTexts;
import dev.pgsteer.proxy.metrics.InFlightClock;
import dev.pgsteer.proxy.statement.LocalAnswer;
import dev.pgsteer.proxy.statement.StatementRelay;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays an authenticated session's frames to a leased backend connection and the answers back,
 * as bytes. Under transaction pooling a connection is leased at the session's first message and
 * returned at the ReadyForQuery 'I' that answers the last Sync or Query sent; under session pooling,
 * or once the session changed state that cannot follow it to another connection, it keeps one.
 *
 * <p>Everything here runs on the client's event loop; a connection on another loop hands its frames
 * over to this one.
 */
public final class ClientRelay implements BackendListener, SessionRelay {
    private static final Logger log = LoggerFactory.getLogger(ClientRelay.class);
    private static final byte QUERY = 'Q';
    private static final byte SYNC = 'S';
    private static final byte FUNCTION_CALL = 'F';
    private static final byte TERMINATE = 'X';
    private static final byte PARSE = 'P';
    private static final byte BIND = 'B';
    private static final byte FLUSH = 'H';
    private static final byte NOTIFICATION = 'A';
    /** How many connections a lease tries when making one carry the session's settings fails for the connection's sake. */
    private static final int SYNC_ATTEMPTS = 3;

    private final ClientSession session;
    private final Channel client;
    /** The pool of the lease; with a gate it changes between leases, as the session's target does. */
    private BackendPool pool;
    private final PoolMode mode;
    /** Chooses the target of each frame (a tenant database); null when the backend is fixed at login. */
    private final SessionGate gate;
    private SessionGate.Target leaseTarget;
    /** Frames admitted for another target than the connection held: they wait for its release. */
    private final ArrayDeque<SessionGate.Admitted> held = new ArrayDeque<>();
    /** Parses of pgsteer's own among the pending frames (by identity): their answers are not the client's. */
    private final Set<Frame> ownParses = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The gate's own SETs among the pending frames (by identity): its settings, which the session does not carry itself. */
    private final Set<Frame> gateSets = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ProxyMetrics metrics;
    private final StatementRelay statements;

    private final ArrayDeque<Frame> pending = new ArrayDeque<>();
    /** The rest of a large Bind or CopyData whose head is among the frames: it follows the head (see MessageTail). */
    private final MessageTail tail = new MessageTail();
    private BackendConnection lease;
    private boolean acquiring;
    /** Queries, Syncs and function calls sent to the leased connection that its ReadyForQuery has not answered yet. */
    private int inFlight;
    private final ConnectionStateWatch watch = new ConnectionStateWatch();
    /** The settings the backend reports (ParameterStatus), as the login's connection told them. */
    private Map<String, String> reported = Map.of();
    /**
     * pgsteer's own statement runs on the lease (startup values put back, session settings read);
     * the client's frames wait meanwhile.
     */
    private boolean ownStatementRunning;
    private boolean backendSentFatal;
    /**
     * Frames of one read from the client are being handed in; its read-complete flushes the lease.
     * A lease that completes meanwhile must not flush on its own: its first frame would go out
     * alone, one more system call per transaction (Parse, then Bind/Execute/Sync).
     */
    private boolean readingClient;
    /** Statements of this session, relayed unparsed: one per Query, Sync or FunctionCall, timed to its ReadyForQuery. */
    private final Timer statementTimer;
    private final InFlightClock inFlightSince = new InFlightClock();
    /** The texts of the timed requests, for the slow-statement log. */
    private final StatementTexts texts;

    public ClientRelay(ClientSession session, BackendPool pool, PoolMode mode, ProxyMetrics metrics, StatementRelay statements,
                SlowStatementLog slowStatements) {
        this(session, pool, mode, metrics, statements, slowStatements, null);
    }

    /** A relay whose pool {@code gate} chooses, frame by frame; its first pool is the gate's initial target's. */
    public ClientRelay(ClientSession session, SessionGate gate, PoolMode mode, ProxyMetrics metrics, StatementRelay statements,
                SlowStatementLog slowStatements) {
        this(session, null, mode, metrics, statements, slowStatements, gate);
    }

    private ClientRelay(ClientSession session, BackendPool pool, PoolMode mode, ProxyMetrics metrics, StatementRelay statements,
                        SlowStatementLog slowStatements, SessionGate gate) {
        this.texts = new StatementTexts(slowStatements, session.id());
        this.session = session;
        this.gate = gate;
        if (gate != null) {
            leaseTarget = gate.initial();
            gate.activate(leaseTarget);
            pool = leaseTarget.pool();
        }
        this.statements = statements;
        this.client = session.channel();
        this.pool = pool;
        this.mode = mode;
        this.metrics = metrics;
        this.statementTimer = metrics.statements(session.database(), ProxyMetrics.RouteKind.UNPARSED);
    }

    private EventLoop loop() {
        return client.eventLoop();
    }

    @Override
    public EventExecutor executor() {
        return client.eventLoop();
    }

    // --- login: the first connection confirms the backend is there and tells the parameters ---

    @Override
    public void connect() {
        client.config().setAutoRead(false);
        leaseConnection(ErrorResponse.Severity.FATAL, this::greet, session::terminate);
    }

    /**
     * Leases a connection and makes its settings the session's, then hands it to {@code ready}, or
     * the error, at {@code severity}, to {@code failed}. {@code acquiring} stays set until one of
     * them runs: frames that arrive meanwhile queue behind the first ones and must not start a
     * second lease for the same transaction. A session that closed meanwhile gives the connection back.
     */
    private void leaseConnection(ErrorResponse.Severity severity, Consumer<BackendConnection> ready,
                       Consumer<ErrorResponse> failed) {
        leaseConnection(severity, ready, failed, SYNC_ATTEMPTS);
    }

    private void leaseConnection(ErrorResponse.Severity severity, Consumer<BackendConnection> ready,
                       Consumer<ErrorResponse> failed, int attempts) {
        BackendConnection idle = pool.pollIdle(loop());
        if (idle != null) {
            acquiring = true;
            leased(idle, severity, ready, failed, attempts);
            return;
        }
        acquiring = true;
        pool.acquire(loop()).addListener(f -> {
            if (!f.isSuccess()) {
                acquiring = false;
                if (session.phase() != Phase.CLOSED) {
                    failed.accept(ProxyErrors.of(f.cause(), severity));
                }
                return;
            }
            leased((BackendConnection) f.getNow(), severity, ready, failed, attempts);
        });
    }

    /** The second half of {@link #leaseConnection}: the session's settings onto the connection, then {@code ready}. */
    private void leased(BackendConnection connection, ErrorResponse.Severity severity,
            Consumer<BackendConnection> ready, Consumer<ErrorResponse> failed, int attempts) {
        leased(connection, severity, ready, failed, attempts, false);
    }

    /** {@code reset}: the connection was just reset for this session; it is never reset twice in one lease. */
    private void leased(BackendConnection connection, ErrorResponse.Severity severity,
            Consumer<BackendConnection> ready, Consumer<ErrorResponse> failed, int attempts,
            boolean reset) {
        if (session.phase() == Phase.CLOSED) {
            acquiring = false;
            pool.release(connection);
            return;
        }
        SessionSettings settings = session.settings();
        if (!reset && settings.servedAnotherOwner(connection.currentSettings(), connection.loginParameters())) {
            resetThenLease(connection, severity, ready, failed, attempts);
            return;
        }
        String statement = settings.syncStatementFor(connection);
        if (statement == null) {
            acquiring = false;
            ready.accept(connection);
            return;
        }
        connection.runInternal(statement, loop()).addListener(synced -> {
            acquiring = false;
            if (!synced.isSuccess()) {
                if (!(synced.cause() instanceof BackendErrorException) && attempts > 1
                        && session.phase() != Phase.CLOSED) {
                    // Not the backend refusing a setting, but the connection itself (it closed, or was
                    // left in a state pgsteer did not expect): another one serves the session.
                    log.warn("{}: could not give {} the session's settings ({}); leasing another", session.id(), connection,
                            synced.cause().getMessage());
                    pool.discard(connection);
                    leaseConnection(severity, ready, failed, attempts - 1);
                    return;
                }
                pool.release(connection);
                failed.accept(ProxyErrors.of(synced.cause(), severity));
            } else {
                // It ran: the connection carries the session's settings now, whoever uses it next.
                settings.syncedOn(connection);
                if (session.phase() == Phase.CLOSED) {
                    pool.release(connection);
                } else {
                    ready.accept(connection);
                }
            }
        });
    }

    /**
     * The connection last served another tenant: before this one gets it, everything a session can
     * leave on a connection goes, whether pgsteer saw it made or not (a role or setting changed by
     * SQL assembled at run time, temporary objects, LISTEN, advisory locks, prepared statements):
     * DISCARD ALL, a Query of its own (it refuses to run in a transaction block, which a string of
     * several statements is). Only on a change of owner, so a tenant's own connections cost nothing.
     */
    private void resetThenLease(BackendConnection connection, ErrorResponse.Severity severity,
            Consumer<BackendConnection> ready, Consumer<ErrorResponse> failed, int attempts) {
        connection.runInternal("DISCARD ALL", loop()).addListener(reset -> {
            if (reset.isSuccess()) {
                connection.discardedAll();
                leased(connection, severity, ready, failed, attempts, true);
                return;
            }
            acquiring = false;
            pool.discard(connection);
            if (session.phase() == Phase.CLOSED) {
                return;
            }
            if (attempts > 1) {
                log.warn("{}: could not reset {} for another tenant ({}); leasing another", session.id(), connection,
                        reset.cause().getMessage());
                leaseConnection(severity, ready, failed, attempts - 1);
            } else {
                failed.accept(ProxyErrors.of(reset.cause(), severity));
            }
        });
    }

    private void greet(BackendConnection connection) {
        reported = Map.copyOf(connection.loginParameters());
        log.debug("{}: first backend connection ready: {}", session.id(), connection);
        connection.loginParameters().keySet().forEach(name -> {
            String value = connection.currentSettings().get(name);
            session.send(new ParameterStatus(reportedName(name), value));
        });
        session.send(new BackendKeyData(session.processId(), session.secretKey()));
        session.send(ReadyForQuery.IDLE);
        client.flush();
        session.phase(Phase.READY);
        if (mode == PoolMode.SESSION) {
            attach(connection);
        } else {
            pool.release(connection);
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
        if (gate != null) {
            gated(frame);
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
        if (lease != null && !lease.isWritable()) {
            updateAutoRead();
        }
    }

    private void relay(Frame frame) {
        if (lease != null && pending.isEmpty() && !ownStatementRunning) {
            forward(frame);
            return;
        }
        if (lease == null && pending.isEmpty() && !acquiring && answeredWithoutConnection(frame)) {
            return;
        }
        pending.add(frame);
        if (lease == null && !acquiring && session.phase() == Phase.READY) {
            acquire();
        }
    }

    /**
     * A frame of a gated session: it runs on the target the gate chose. A new target takes effect
     * between leases only; until the connection held is given back, frames for another one wait.
     */
    private void gated(Frame frame) {
        SessionGate.Admitted admitted = gate.admit(frame);
        if (!held.isEmpty()) {
            held.add(admitted);
            return;
        }
        if (admitted.target() != leaseTarget) {
            if (lease != null || !pending.isEmpty() || acquiring) {
                held.add(admitted);
                updateAutoRead();
                if (lease != null && inFlight == 0 && pending.isEmpty() && !acquiring && !ownStatementRunning) {
                    // Nothing the connection runs will end with a ReadyForQuery that lets it go: the
                    // session keeps it (a transaction, a pinned session), or an extended-protocol batch
                    // is under way and its Sync comes after this frame. Waiting would never end.
                    drainHeld();
                }
                return;
            }
            switchTo(admitted.target());
        }
        relayAdmitted(admitted);
    }

    private void switchTo(SessionGate.Target target) {
        leaseTarget = target;
        pool = target.pool();
        gate.activate(target);
    }

    private void relayAdmitted(SessionGate.Admitted admitted) {
        if (admitted.unreportedSet()) {
            // The gate's own SET: the gate carries its settings itself; the watch must not read it as the session's.
            gateSets.add(admitted.first());
        }
        if (admitted.second() != null) {
            ownParses.add(admitted.first());
            relay(admitted.first());
            relay(admitted.second());
        } else {
            relay(admitted.first());
        }
    }

    /**
     * Relays the held frames once nothing runs on the connection held: those of another target
     * after the connection went back, or, when it cannot go back (a transaction, a pinned session),
     * in their place the error of a refused switch.
     */
    private void drainHeld() {
        SessionGate.Admitted next;
        while ((next = held.peek()) != null) {
            if (next.target() != leaseTarget) {
                if (inFlight > 0 || !pending.isEmpty() || acquiring || ownStatementRunning) {
                    return;
                }
                if (lease != null) {
                    held.poll();
                    relayAdmitted(gate.refuseSwitch(next, leaseTarget));
                    continue;
                }
                switchTo(next.target());
            }
            held.poll();
            relayAdmitted(next);
        }
        if (lease != null) {
            lease.flush();
        }
        updateAutoRead();
    }

    @Override
    public void onClientReadComplete() {
        readingClient = false;
        if (lease != null) {
            lease.flush();
        }
    }

    @Override
    public void onClientWritabilityChanged() {
        if (lease != null) {
            lease.setAutoRead(client.isWritable());
        }
    }

    private void forward(Frame frame) {
        texts.frame(frame);
        byte type = frame.type();
        if (type == QUERY || type == SYNC || type == FUNCTION_CALL) {
            inFlight++;
            inFlightSince.sent(System.nanoTime());
        }
        if (!ownParses.isEmpty() && ownParses.remove(frame)) {
            statements.forwardOwnParse(frame, lease);
            return;
        }
        if (type == QUERY || type == PARSE || type == FUNCTION_CALL) {
            if (gateSets.isEmpty() || !gateSets.remove(frame)) {
                pinnedBy(watch.onStatement(frame, reported, session.settings().backslashQuotes()));
            }
        } else if (type == BIND) {
            pinnedBy(watch.onBind(frame));
        }
        statements.forward(frame, lease);
        if (frame instanceof FrameHead) {
            tail.headWritten(lease.channel());
        }
        if (!lease.isWritable()) {
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
        LocalAnswer answer = statements.answerWithoutConnection(frame, pool.target());
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
        leaseConnection(ErrorResponse.Severity.ERROR, this::attach, this::failPending);
        if (acquiring) {
            // Still waiting for a connection: stop reading the client meanwhile. Most leases complete
            // at once (an idle connection on this loop), and then autoRead is never touched: toggling
            // it costs two epoll_ctl calls per transaction.
            updateAutoRead();
        }
    }

    private void attach(BackendConnection connection) {
        lease = connection;
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
            byte type = frame.type();
            if (type == QUERY || type == SYNC || type == FUNCTION_CALL) {
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
        if (!held.isEmpty()) {
            drainHeld();
        }
    }

    // --- frames from the backend ---

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        if (connection != lease) {
            // Only a frame handed across event loops after its connection went back can land here.
            log.warn("{}: dropped {} from {}, which this session no longer holds", session.id(), frame, connection);
            frame.release();
            return;
        }
        if (gate != null && frame.type() == NOTIFICATION && (frame = gate.fromBackend(frame)) == null) {
            return; // another tenant's channel
        }
        switch (frame.type()) {
            case ReadyForQuery.TYPE -> {
                TransactionStatus status = ReadyForQuery.decode(frame.body()).status();
                session.transactionStatus(status);
                inFlight = Math.max(0, inFlight - 1);
                long took = inFlightSince.answered(System.nanoTime());
                if (took >= 0) {
                    statementTimer.record(took, TimeUnit.NANOSECONDS);
                    texts.answered(took);
                }
                statements.readyForQuery(status);
                if (watch.restoreDue() && inFlight == 0 && pending.isEmpty()) {
                    boolean all = watch.restoreAll();
                    Set<String> names = Set.copyOf(watch.restoreNames());
                    watch.restored();
                    // After a failed statement the RESET is undone with the transaction: nothing to put back.
                    String restore = status == TransactionStatus.FAILED ? null
                            : session.settings().restoreStartupStatement(all, names);
                    if (restore != null) {
                        restoreThenRelay(connection, restore, status, all, names, statements.onBackendFrame(frame, connection));
                        return;
                    }
                }
                client.write(statements.onBackendFrame(frame, connection), client.voidPromise());
                afterReadyForQuery(status);
                return;
            }
            case ParameterStatus.TYPE -> {
                ParameterStatus status = ParameterStatus.decode(frame.body());
                connection.settingReported(status.name(), status.value());
                if (ReportedParameters.settable(status.name())) {
                    session.settings().set(status.name(), status.value());
                }
            }
            case CommandComplete.TYPE -> {
                ConnectionStateWatch.TagEffect effect = watch.onCommandComplete(frame);
                if (effect.statementsDeallocated()) {
                    connection.preparedStatements().clear();
                    statements.forgetAll();
                }
                pinnedBy(effect.pinReason());
            }
            case ErrorResponse.ERROR -> {
                if (ErrorResponse.decode(ErrorResponse.ERROR, frame.body()).isFatal()) {
                    backendSentFatal = true;
                }
            }
            default -> {
            }
        }
        ByteBuf relayed = statements.onBackendFrame(frame, connection);
        if (relayed != null) {
            client.write(relayed, client.voidPromise());
        }
    }

    @Override
    public boolean streamsLargeMessages() {
        return true;
    }

    /** The rest of a large DataRow or CopyData: written on as it is read; the client's writability paces the backend. */
    @Override
    public void onBackendChunk(BackendConnection connection, FrameChunk chunk) {
        if (connection != lease) {
            chunk.release();
            return;
        }
        client.write(chunk.content(), client.voidPromise());
    }

    private void afterReadyForQuery(TransactionStatus status) {
        // Not while a large message is still being written to the connection: the rest of it must follow.
        if (status == TransactionStatus.IDLE && inFlight == 0 && pending.isEmpty() && !tail.passing() && !keepsConnection()) {
            // Once released, this connection's read-complete no longer reaches us: flush now.
            client.flush();
            if (watch.captureDue()) {
                captureThenRelease(lease);
            } else {
                releaseLease();
            }
        }
        if (!held.isEmpty() && inFlight == 0 && pending.isEmpty() && !ownStatementRunning) {
            drainHeld();
        }
    }

    /**
     * Holds the ReadyForQuery that ends a RESET while the session's startup values are put back,
     * relaying what the backend reports about them, so the client sees the values PostgreSQL would
     * have reset to. It runs in the transaction the RESET ran in ({@code status}), as the RESET's own
     * change does: a rollback undoes both.
     */
    private void restoreThenRelay(BackendConnection connection, String restore, TransactionStatus status, boolean all,
                                  Set<String> names, ByteBuf readyForQuery) {
        ownStatementRunning = true;
        connection.runInternal(restore, loop(), reported -> onLoop(() -> {
            session.settings().set(reported.name(), reported.value());
            client.write(reported, client.voidPromise());
        }), status).addListener(f -> {
            ownStatementRunning = false;
            if (session.phase() == Phase.CLOSED || lease != connection) {
                readyForQuery.release();
                return;
            }
            if (!f.isSuccess()) {
                if (!connection.isUsable()) {
                    readyForQuery.release();
                    lease = null;
                    pool.discard(connection);
                    session.terminate(ProxyErrors.backendLost(connection.target().name()));
                    return;
                }
                // The backend refused a startup value it accepted at the session's start (a setting
                // since removed, say): the session goes on with the backend's default for it.
                log.warn("{}: could not put startup settings back after RESET: {}", session.id(), f.cause().getMessage());
            } else {
                session.settings().restoredStartup(connection, all, names);
            }
            connection.attach(this);
            client.write(readyForQuery, client.voidPromise());
            client.flush();
            resumeAfterOwnStatement(connection, status);
        });
    }

    /**
     * The transaction is over and the session may have changed settings the backend does not
     * report: read them on this connection before it goes back, so the session finds them on its next
     * one. The client has its ReadyForQuery already; what it sends meanwhile waits.
     */
    private void captureThenRelease(BackendConnection connection) {
        ownStatementRunning = true;
        connection.queryInternal(session.settings().captureStatement(watch.captureNames(), watch.captureAll(),
                        connection.loginParameters()), loop(), TransactionStatus.IDLE)
                .addListener(f -> {
                    ownStatementRunning = false;
                    if (session.phase() == Phase.CLOSED || lease != connection) {
                        return;
                    }
                    if (!f.isSuccess()) {
                        log.warn("{}: could not read the session's settings on {}: {}", session.id(), connection,
                                f.cause().getMessage());
                        lease = null;
                        pool.discard(connection);
                        if (!pending.isEmpty() && !acquiring) {
                            acquire();
                        }
                        updateAutoRead();
                        return;
                    }
                    @SuppressWarnings("unchecked")
                    List<List<String>> rows = (List<List<String>>) f.getNow();
                    session.settings().captured(rows, connection);
                    watch.captured();
                    connection.attach(this);
                    resumeAfterOwnStatement(connection, TransactionStatus.IDLE);
                });
    }

    /** pgsteer's own statement is done: the frames that waited go on, or the connection goes back. */
    private void resumeAfterOwnStatement(BackendConnection connection, TransactionStatus status) {
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

    private void onLoop(Runnable task) {
        if (loop().inEventLoop()) {
            task.run();
        } else {
            loop().execute(task);
        }
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
            log.info("{}: pinned to {} by {}", session.id(), lease != null ? lease : "its next connection", reason);
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
        if (connection != lease) {
            return;
        }
        lease = null;
        pool.discard(connection);
        if (session.phase() != Phase.CLOSED) {
            if (backendSentFatal) {
                session.phase(Phase.CLOSED);
                client.flush();
                client.close();
            } else {
                session.terminate(ProxyErrors.backendLost(connection.target().name()));
            }
        }
    }

    private void releaseLease() {
        BackendConnection connection = lease;
        lease = null;
        statements.leaseEnded();
        pool.release(connection);
        updateAutoRead();
    }

    private void updateAutoRead() {
        boolean read = !acquiring && held.isEmpty() && (lease == null || lease.isWritable()) && !tail.waiting()
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
        ownParses.clear();
        gateSets.clear();
        statements.close();
        SessionGate.Admitted waiting;
        while ((waiting = held.poll()) != null) {
            waiting.first().release();
            if (waiting.second() != null) {
                waiting.second().release();
            }
        }
        if (watch.pinned()) {
            metrics.pinnedSessionEnded();
        }
        BackendConnection connection = lease;
        lease = null;
        if (connection == null) {
            return;
        }
        connection.detach();
        if (inFlight > 0 || ownStatementRunning || messageCut) {
            // A statement is still running or its answer is unread: closing the socket makes the
            // backend abort it, which is safer than waiting for an answer no one will read.
            pool.discard(connection);
            return;
        }
        boolean inTransaction = session.transactionStatus() != TransactionStatus.IDLE;
        // Settings changed since they were last read: DISCARD ALL takes them off, whatever they are.
        boolean dirty = keepsConnection() || watch.captureDue();
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

    /** A CancelRequest quoted this session's key: cancel what its connection runs now, if anything. */
    @Override
    public void cancel() {
        BackendConnection connection = lease;
        if (connection != null && inFlight > 0 && connection.keyData() != null) {
            pool.connector().cancel(connection.target(), connection.keyData(), loop());
        }
    }

    /** Backends report names in their own case ({@code DateStyle}); the maps hold them lower-case. */
    private static String reportedName(String lowerCase) {
        return ReportedParameters.canonical(lowerCase);
    }
}
