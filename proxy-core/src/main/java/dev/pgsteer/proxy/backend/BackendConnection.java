package dev.pgsteer.proxy.backend;

import dev.pgsteer.protocol.message.BackendKeyData;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticated wire connection to a backend database. It is in one of these states:
 *
 * <pre>
 *   LOGIN ──ready──► IDLE ◄──release── LEASED
 *                     │  ▲                ▲
 *              runInternal └──done── INTERNAL ──attach──┘
 *   any ──socket closed / protocol error──► CLOSED (never reused)
 * </pre>
 *
 * While LEASED every frame goes to the listener untouched; while INTERNAL the answers to pgsteer's own
 * statements (session settings, a rollback) are read by an {@link InternalStatement} and never reach a client.
 *
 * <p>Whoever waits on a connection hears when its socket closes, whatever closed it (the backend, a
 * read error, pgsteer): from LEASED the listener's {@code onBackendClosed}, from INTERNAL the failure
 * of the statement's future, from LOGIN the failure of the login. A lease that takes hold of a
 * connection already CLOSED is told at once. Only {@link #close}, the holder's own decision, tells no
 * listener.
 */
public final class BackendConnection {
    private static final Logger log = LoggerFactory.getLogger(BackendConnection.class);
    enum State { LOGIN, IDLE, INTERNAL, LEASED, CLOSED }

    private final Channel channel;
    private final BackendTarget target;
    private final ConnectionTimes times = new ConnectionTimes();
    private final ConnectionSettings settings = new ConnectionSettings();

    /** Named statements prepared on this connection under their proxy-wide names. */
    private final PreparedOnConnection prepared;
    /**
     * Written on this connection's event loop, and by its holder from another; {@link #attach},
     * {@link #detach} and {@link #onClosed} compare-and-set it, where a lost race would lose a notice.
     */
    private volatile State state = State.LOGIN;
    private static final AtomicReferenceFieldUpdater<BackendConnection, State> STATE =
            AtomicReferenceFieldUpdater.newUpdater(BackendConnection.class, State.class, "state");
    private volatile BackendListener listener;
    private BackendKeyData keyData;
    private InternalStatement internalStatement;

    BackendConnection(Channel channel, BackendTarget target, int maxPreparedStatements) {
        this.channel = channel;
        this.target = target;
        this.prepared = new PreparedOnConnection(maxPreparedStatements);
    }

    public BackendTarget target() {
        return target;
    }

    public Channel channel() {
        return channel;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public PreparedOnConnection preparedStatements() {
        return prepared;
    }

    /** Whether this connection's settings are still those it was last found to match as {@code settings}. */
    public boolean matchesSettings(Object sessionSettings) {
        return settings.matches(sessionSettings);
    }

    /** This connection's settings are {@code settings} now, until they change. */
    public void settingsMatched(Object sessionSettings) {
        settings.matched(sessionSettings);
    }

    public BackendKeyData keyData() {
        return keyData;
    }

    public boolean isUsable() {
        return state != State.CLOSED && channel.isActive();
    }

    public Map<String, String> loginParameters() {
        return settings.login();
    }

    /** Settings as they stand on this connection, keyed by lower-case name; changed only by the methods below. */
    public Map<String, String> currentSettings() {
        return settings.current();
    }

    /** The backend reported a setting's new value (ParameterStatus). */
    public void settingReported(String name, String value) {
        settings.reported(name, value);
    }

    /**
     * DISCARD ALL ran on this connection: no statement is prepared on it any more, and its settings
     * are the login values again.
     */
    public void discardedAll() {
        prepared.clear();
        settings.resetToLogin();
    }

    /** pgsteer changed settings on this connection itself (a sync statement ran): {@code change} records how. */
    public void settingsChanged(Consumer<Map<String, String>> change) {
        settings.changed(change);
    }

    /** When it was opened, went idle, and last heard its backend answer. */
    public ConnectionTimes times() {
        return times;
    }

    // --- login, driven by BackendLogin on this connection's event loop ---

    void loginParameter(ParameterStatus status) {
        settings.announced(status.name(), status.value());
    }

    void loginKeyData(BackendKeyData keyData) {
        this.keyData = keyData;
    }

    void loginDone() {
        markIdle();
    }

    void markIdle() {
        markIdle(System.nanoTime());
    }

    /** Back in its pool at {@code now}: idle, and proven to answer (it just completed a transaction). */
    public void markIdle(long now) {
        times.idleFrom(now);
        state = State.IDLE;
    }

    // --- leasing ---

    /**
     * Hands every frame from now on to {@code listener}, until {@link #detach}. If the connection closed
     * before this lease took hold (its backend went away on the way out of the pool), the listener
     * hears so at once rather than writing into a dead socket and waiting for an answer.
     */
    public void attach(BackendListener listener) {
        this.listener = listener;
        State was = state;
        // A compare-and-set: onClosed may run meanwhile on the connection's own loop, and exactly one of
        // the two must tell the listener.
        if (was == State.CLOSED || !STATE.compareAndSet(this, was, State.LEASED)) {
            listener.executor().execute(() -> listener.onBackendClosed(this));
        }
    }

    public void detach() {
        this.listener = null;
        STATE.compareAndSet(this, State.LEASED, State.IDLE);
    }

    /** Relays a client's frame as it came; the frame's bytes now belong to the channel. */
    public void write(Frame frame) {
        channel.write(frame.content(), channel.voidPromise());
    }

    /** Writes bytes pgsteer built (a renamed or injected message). */
    public void write(ByteBuf message) {
        channel.write(message, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    public void setAutoRead(boolean autoRead) {
        channel.config().setAutoRead(autoRead);
    }

    /**
     * Runs pgsteer's own statements (a simple query) and swallows their answers. Fails with the
     * backend's ErrorResponse if one came. Must be called while no one else uses the connection.
     */
    public Future<Void> runInternal(String sql, EventLoop completeOn) {
        return runInternal(sql, completeOn, status -> { });
    }

    /** As {@link #runInternal(String, EventLoop)}, telling {@code reports} each setting the backend reports changed. */
    public Future<Void> runInternal(String sql, EventLoop completeOn, Consumer<ParameterStatus> reports) {
        return runInternal(sql, completeOn, reports, TransactionStatus.IDLE);
    }

    /**
     * As {@link #runInternal(String, EventLoop)}, for statements that leave the connection in
     * {@code expected} status: a BEGIN pgsteer sends for a session's transaction leaves it in one.
     */
    public Future<Void> runInternal(String sql, EventLoop completeOn, TransactionStatus expected) {
        return runInternal(sql, completeOn, status -> { }, expected);
    }

    /**
     * Runs pgsteer's own query and gives its rows, each as the text of its columns (null for NULL);
     * for small catalog lookups. The connection's transaction status must stay {@code expected}.
     */
    public Future<List<List<String>>> queryInternal(String sql, EventLoop completeOn, TransactionStatus expected) {
        List<List<String>> rows = new ArrayList<>();
        Promise<List<List<String>>> result = completeOn.newPromise();
        runInternal(sql, completeOn, status -> { }, expected, rows::add).addListener(f -> {
            if (f.isSuccess()) {
                result.setSuccess(rows);
            } else {
                result.setFailure(f.cause());
            }
        });
        return result;
    }

    /** As {@link #runInternal(String, EventLoop, Consumer)}, leaving the connection in {@code expected} status. */
    public Future<Void> runInternal(String sql, EventLoop completeOn, Consumer<ParameterStatus> reports,
                                     TransactionStatus expected) {
        return runInternal(sql, completeOn, reports, expected, row -> { });
    }

    private Future<Void> runInternal(String sql, EventLoop completeOn, Consumer<ParameterStatus> reports,
                                     TransactionStatus expected, Consumer<List<String>> rows) {
        Promise<Void> done = completeOn.newPromise();
        channel.eventLoop().execute(() -> {
            if (!isUsable()) {
                done.tryFailure(lost());
                return;
            }
            state = State.INTERNAL;
            internalStatement = new InternalStatement(done, reports, expected, rows);
            channel.writeAndFlush(new Query(sql), channel.voidPromise());
        });
        return done;
    }

    /** The holder's decision: the connection is not to be used again, and no listener is told. */
    public void close() {
        state = State.CLOSED;
        channel.close();
    }

    /**
     * The socket failed (a reset, a read error): it is closed, and its closing is left to tell
     * whoever waits on the connection, as when the backend closes it ({@link #onClosed}).
     */
    void broken(Throwable cause) {
        log.warn("{}: {}", this, cause.toString());
        channel.close();
    }

    /** What a session is told when the connection dies under it: 08006, naming the backend. */
    private BackendUnavailableException lost() {
        return new BackendUnavailableException(ProxyErrors.backendLost(target.name()));
    }

    // --- inbound, called by BackendFrameHandler on this connection's event loop ---

    void onFrame(Frame frame, BackendLogin login) {
        if (log.isTraceEnabled()) {
            log.trace("{} <=BE {}", this, frame);
        }
        switch (state) {
            case LOGIN -> login.onFrame(frame);
            case INTERNAL -> onInternalFrame(frame);
            case LEASED -> deliver(frame);
            case IDLE, CLOSED -> unexpected(frame);
        }
    }

    /**
     * Whether a large message of {@code type} is passed on in pieces: DataRows and CopyData, which a
     * relay writes on as bytes without reading them, while the connection is leased to a listener that
     * takes pieces. pgsteer's own statements (INTERNAL) read their rows whole. Asked by the decoder at
     * each large message's header; no state change can come in the middle of one, as the listener only
     * changes after a ReadyForQuery or when the connection is given up.
     */
    boolean streams(byte type) {
        BackendListener current = listener;
        return (type == 'D' || type == 'd') && state == State.LEASED && current != null && current.streamsLargeMessages();
    }

    /** The rest of a streamed message: to the listener its head went to, or dropped once there is none. */
    void onChunk(FrameChunk chunk) {
        BackendListener current = listener;
        if (state != State.LEASED || current == null) {
            chunk.release();
            return;
        }
        if (current.executor().inEventLoop()) {
            current.onBackendChunk(this, chunk);
        } else {
            current.executor().execute(() -> current.onBackendChunk(this, chunk));
        }
    }

    private void deliver(Frame frame) {
        BackendListener current = listener;
        if (current == null) {
            frame.release();
            return;
        }
        if (current.executor().inEventLoop()) {
            current.onBackendFrame(this, frame);
        } else {
            current.executor().execute(() -> current.onBackendFrame(this, frame));
        }
    }

    private void onInternalFrame(Frame frame) {
        TransactionStatus status = internalStatement.read(frame, settings);
        if (status != null) {
            InternalStatement finished = internalStatement;
            internalStatement = null;
            // Not markIdle(): a health check must not make an idle connection look freshly used.
            state = State.IDLE;
            finished.finish(status, this::close);
        }
    }

    private void unexpected(Frame frame) {
        // An idle backend may still speak: a notice, or a FATAL before it closes (admin shutdown).
        // Nothing to relay it to; closing the socket removes the connection from its pool. Not close():
        // a lease taking hold on another loop meanwhile must still hear of it (onClosed).
        byte type = frame.type();
        frame.release();
        if (type == ErrorResponse.ERROR) {
            channel.close();
        }
    }

    void onReadComplete() {
        BackendListener current = listener;
        if (state == State.LEASED && current != null) {
            if (current.executor().inEventLoop()) {
                current.onBackendReadComplete(this);
            } else {
                current.executor().execute(() -> current.onBackendReadComplete(this));
            }
        }
    }

    void onWritabilityChanged() {
        BackendListener current = listener;
        boolean writable = channel.isWritable();
        if (current != null) {
            current.executor().execute(() -> current.onBackendWritabilityChanged(this, writable));
        }
    }

    void onClosed() {
        State previous = STATE.getAndSet(this, State.CLOSED);
        InternalStatement cut = internalStatement;
        if (cut != null) {
            internalStatement = null;
            cut.cut(lost());
        }
        BackendListener current = listener;
        if (previous == State.LEASED && current != null) {
            current.executor().execute(() -> current.onBackendClosed(this));
        }
    }

    @Override
    public String toString() {
        return "BackendConnection[" + target.poolName() + ", pid " + (keyData == null ? "?" : keyData.processId()) + ", " + state + "]";
    }
}
