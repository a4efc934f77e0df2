package dev.pgsteer.proxy.relay;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.client.SessionSettings;
import dev.pgsteer.proxy.errors.BackendErrorException;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.channel.EventLoop;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend connection a pooled session holds, and how it comes to hold one. It is in one of
 * these states:
 *
 * <pre>
 *   NONE ──acquire──► ACQUIRING ──┬── served another tenant ──► RESETTING ──────┐
 *    ▲                            ├── settings differ ──► SYNCING_SETTINGS ◄─────┤ settings differ
 *    │                            │                             │ ran            │
 *    │                            └── settings match ──► (handed over) ◄─────────┘ settings match
 *    │◄── failed: no connection, a setting refused ─────────────┤
 *    │                                                          │ attach
 *    │                                                          ▼
 *    │◄── released at ReadyForQuery 'I' ───────────────── ATTACHED ◄──────── done ───────┐
 *    │◄── backend closed, client closed ────────────────── │    │                        │
 *    │                                      RESET answered ▼    ▼ transaction over,      │
 *    │                                    RESTORING_STARTUP     READING_BACK ────────────┤
 *    │                                              └──────────────── done ──────────────┘
 *    └◄── read-back failed (discarded), backend lost ◄──── either of them
 * </pre>
 *
 * <p>Handed over, the connection goes to whoever asked: the relay attaches it; at login the greeting
 * gives it back at once under transaction pooling.
 *
 * <p>A connection that cannot take the session's settings for its own sake (it closed, or was left in
 * a state pgsteer did not expect) is discarded, and ACQUIRING starts over, up to {@link #SYNC_ATTEMPTS}
 * connections. In RESTORING_STARTUP and READING_BACK pgsteer's own statement runs on the connection:
 * the client's frames wait meanwhile. While ACQUIRING (and its two sub-steps) frames that arrive queue
 * behind the first ones and must not start a second lease for the same transaction.
 *
 * <p>Everything here runs on the client's event loop.
 */
final class Lease {
    private static final Logger log = LoggerFactory.getLogger(Lease.class);
    /** How many connections a lease tries when making one carry the session's settings fails for the connection's sake. */
    private static final int SYNC_ATTEMPTS = 3;

    enum LeaseState {
        /** No connection, none asked for. */
        NONE,
        /** Waiting for the pool. */
        ACQUIRING,
        /** The connection last served another tenant: DISCARD ALL runs on it. */
        RESETTING,
        /** The session's settings are made the connection's. */
        SYNCING_SETTINGS,
        /** The session's frames go to the connection, and its answers back. */
        ATTACHED,
        /** After a RESET, the session's startup values are put back; the RESET's ReadyForQuery waits. */
        RESTORING_STARTUP,
        /** The transaction is over; the settings the backend does not report are read before it goes back. */
        READING_BACK
    }

    private final ClientSession session;
    private final EventLoop loop;
    /** The pool of the lease; with a gate it changes between leases, as the session's target does. */
    private BackendPool pool;
    private LeaseState state = LeaseState.NONE;
    private BackendConnection connection;

    Lease(ClientSession session, BackendPool pool) {
        this.session = session;
        this.loop = session.channel().eventLoop();
        this.pool = pool;
    }

    LeaseState state() {
        return state;
    }

    /** The connection held (attached, or running pgsteer's own statement), or null. */
    BackendConnection connection() {
        return connection;
    }

    boolean holds(BackendConnection candidate) {
        return connection == candidate;
    }

    boolean held() {
        return connection != null;
    }

    /** No connection held and none on its way. */
    boolean none() {
        return state == LeaseState.NONE;
    }

    /** A connection is on its way: asked of the pool, being reset or given the session's settings. */
    boolean acquiring() {
        return state == LeaseState.ACQUIRING || state == LeaseState.RESETTING || state == LeaseState.SYNCING_SETTINGS;
    }

    /** The client's frames may go to the connection held now. */
    boolean attached() {
        return state == LeaseState.ATTACHED;
    }

    boolean ownStatementRunning() {
        return state == LeaseState.RESTORING_STARTUP || state == LeaseState.READING_BACK;
    }

    /** Neither a connection on its way nor pgsteer's own statement running: NONE or ATTACHED. */
    boolean settled() {
        return state == LeaseState.NONE || state == LeaseState.ATTACHED;
    }

    BackendPool pool() {
        return pool;
    }

    /** A gated session's next target: only between leases. */
    void pool(BackendPool next) {
        pool = next;
    }

    // --- transitions ---

    /**
     * Leases a connection and makes its settings the session's, then hands it to {@code ready}, or
     * the error, at {@code severity}, to {@code failed}. The lease stays {@link #acquiring} until
     * one of them runs. A session that closed meanwhile gives the connection back.
     */
    void acquire(ErrorResponse.Severity severity, Consumer<BackendConnection> ready, Consumer<ErrorResponse> failed) {
        acquire(severity, ready, failed, SYNC_ATTEMPTS);
    }

    private void acquire(ErrorResponse.Severity severity, Consumer<BackendConnection> ready,
                         Consumer<ErrorResponse> failed, int attempts) {
        state = LeaseState.ACQUIRING;
        BackendConnection idle = pool.pollIdle(loop);
        if (idle != null) {
            leased(idle, severity, ready, failed, attempts, false);
            return;
        }
        pool.acquire(loop).addListener(f -> {
            if (!f.isSuccess()) {
                state = LeaseState.NONE;
                if (session.phase() != Phase.CLOSED) {
                    failed.accept(ProxyErrors.of(f.cause(), severity));
                }
                return;
            }
            leased((BackendConnection) f.getNow(), severity, ready, failed, attempts, false);
        });
    }

    /**
     * The second half of {@link #acquire}: the session's settings onto the connection, then {@code ready}.
     * {@code reset}: the connection was just reset for this session; it is never reset twice in one lease.
     */
    private void leased(BackendConnection leased, ErrorResponse.Severity severity,
            Consumer<BackendConnection> ready, Consumer<ErrorResponse> failed, int attempts,
            boolean reset) {
        if (session.phase() == Phase.CLOSED) {
            state = LeaseState.NONE;
            pool.release(leased);
            return;
        }
        SessionSettings settings = session.settings();
        if (!reset && settings.servedAnotherOwner(leased.currentSettings(), leased.loginParameters())) {
            resetThenLease(leased, severity, ready, failed, attempts);
            return;
        }
        String statement = settings.syncStatementFor(leased);
        if (statement == null) {
            state = LeaseState.NONE;
            ready.accept(leased);
            return;
        }
        state = LeaseState.SYNCING_SETTINGS;
        leased.runInternal(statement, loop).addListener(synced -> {
            state = LeaseState.NONE;
            if (!synced.isSuccess()) {
                if (!(synced.cause() instanceof BackendErrorException) && attempts > 1
                        && session.phase() != Phase.CLOSED) {
                    // Not the backend refusing a setting, but the connection itself (it closed, or was
                    // left in a state pgsteer did not expect): another one serves the session.
                    log.warn("{}: could not give {} the session's settings ({}); leasing another", session.id(), leased,
                            synced.cause().getMessage());
                    pool.discard(leased);
                    acquire(severity, ready, failed, attempts - 1);
                    return;
                }
                pool.release(leased);
                failed.accept(ProxyErrors.of(synced.cause(), severity));
            } else {
                // It ran: the connection carries the session's settings now, whoever uses it next.
                settings.syncedOn(leased);
                if (session.phase() == Phase.CLOSED) {
                    pool.release(leased);
                } else {
                    ready.accept(leased);
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
    private void resetThenLease(BackendConnection leased, ErrorResponse.Severity severity,
            Consumer<BackendConnection> ready, Consumer<ErrorResponse> failed, int attempts) {
        state = LeaseState.RESETTING;
        leased.runInternal("DISCARD ALL", loop).addListener(reset -> {
            if (reset.isSuccess()) {
                leased.discardedAll();
                leased(leased, severity, ready, failed, attempts, true);
                return;
            }
            state = LeaseState.NONE;
            pool.discard(leased);
            if (session.phase() == Phase.CLOSED) {
                return;
            }
            if (attempts > 1) {
                log.warn("{}: could not reset {} for another tenant ({}); leasing another", session.id(), leased,
                        reset.cause().getMessage());
                acquire(severity, ready, failed, attempts - 1);
            } else {
                failed.accept(ProxyErrors.of(reset.cause(), severity));
            }
        });
    }

    /** The connection {@link #acquire} handed over takes the session's frames. */
    void attach(BackendConnection attached) {
        connection = attached;
        state = LeaseState.ATTACHED;
    }

    /** pgsteer's own statement runs on the connection: after a RESET, the startup values put back. */
    void restoringStartup() {
        state = LeaseState.RESTORING_STARTUP;
    }

    /** pgsteer's own statement runs on the connection: the session's settings read back. */
    void readingBack() {
        state = LeaseState.READING_BACK;
    }

    /** pgsteer's own statement on {@code on} is done: the client's frames may go to it again, if it is still held. */
    void ownStatementDone(BackendConnection on) {
        if (connection == on && ownStatementRunning()) {
            state = LeaseState.ATTACHED;
        }
    }

    /** Lets go of the connection without giving it back (its holder decides what becomes of it); null if none was held. */
    BackendConnection drop() {
        BackendConnection dropped = connection;
        connection = null;
        state = LeaseState.NONE;
        return dropped;
    }

    /** The connection goes back to its pool, for the next session. */
    void release() {
        pool.release(drop());
    }

    /** The connection cannot serve anyone: it goes away. */
    void discard() {
        pool.discard(drop());
    }
}
