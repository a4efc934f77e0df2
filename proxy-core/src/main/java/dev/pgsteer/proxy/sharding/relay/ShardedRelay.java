package dev.pgsteer.proxy.sharding.relay;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.MessageType.Backend;
import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.backend.EmptyQueryResponse;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.ConnectionStateWatch;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.client.ReportedParameters;
import dev.pgsteer.proxy.client.SessionRelay;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.sharding.Pin;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.command.Commands;
import dev.pgsteer.proxy.sharding.command.CopySplitHolder;
import dev.pgsteer.proxy.sharding.copy.CopyFeed;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.execute.ShardRequest;
import dev.pgsteer.proxy.sharding.extended.ShardedPortals;
import dev.pgsteer.proxy.sharding.send.SimpleSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.util.List;

/**
 * A client session on a sharded logical database. Each unit the client sends (a simple Query, or
 * extended-protocol messages up to a Sync) is handled in turn; each statement in it is routed by the
 * database's router ({@link StatementPlanner}) and executed as the command it is
 * ({@link Commands}), over shard connections leased for it or for the transaction
 * ({@link ShardTransaction} has the transaction's diagram).
 *
 * <pre>
 *   IDLE ──a Query, or messages up to a Sync or Flush──► RUNNING ──ReadyForQuery written, or a Flush──► IDLE
 *
 *   RUNNING ──a shard's CopyInResponse ('G'), the request on one shard──► COPY_IN
 *   COPY_IN ──the client's CopyDone or CopyFail──► COPY_IN_DONE ──the request ends──► RUNNING
 *   COPY_IN ──the request ends first (the shard failed the COPY)──► RUNNING
 *
 *   RUNNING ──a COPY into a sharded or reference table starts its split or mirror──► COPY_SPLIT
 *   COPY_SPLIT ──CopyDone passed on, CopyFail, a row without a shard, or the request ends──► RUNNING
 * </pre>
 *
 * The client is read in every state: in IDLE its frames wait in the inbox for their turn, in
 * COPY_IN and COPY_SPLIT its copy data goes to the shards, and in COPY_IN_DONE its next frames wait.
 * In RUNNING it is read until a frame comes (the next unit's, from a client that does not wait for
 * its answers), which waits in the inbox; then not until the unit ends, so a client cannot fill the
 * inbox without bound. Not switching reading off and on again for every unit saves two system calls
 * per statement for a client that waits for each answer. Copy data a client sent before the shards
 * asked for it waits in the inbox too, and goes to the COPY when it starts. Apart from the state, a unit that failed skips everything up to its Sync ({@link #failed}).
 * Connections are given back at the end of a unit or transaction, unless the session is pinned.
 */
public final class ShardedRelay implements BackendListener, SessionRelay, CopySplitHolder, ShardedExtendedProtocol.UnitControl {

    enum Unit {
        /** No unit runs: the next frame of the inbox starts one. */
        IDLE,
        /** A unit's statements run on the shards; the client is read until a frame of its next unit comes. */
        RUNNING,
        /** A COPY FROM STDIN runs on one shard ({@link #copyIn}): the client's copy messages go to it. */
        COPY_IN,
        /** The client ended its COPY data; the shard has not answered yet. */
        COPY_IN_DONE,
        /** A COPY on several shards: the client's rows are split over them, or mirrored to each ({@link #copySplit}). */
        COPY_SPLIT
    }

    private final ClientSession session;
    private final Channel client;
    private final ShardedDatabase database;
    private final ShardLeases leases;
    private final ShardTransaction transaction;
    private final ClientReplies replies;
    private final FanOut fanOut;
    private final Pin pin;
    private final ShardSettings settings;
    private final ShardedPortals portals = new ShardedPortals();
    private final StatementPlanner planner;
    private final ShardedExtendedProtocol extended;
    private final UnitEnd unitEnd;
    private final Runnable nextUnit = this::nextUnit;
    private final Inbox inbox = new Inbox();
    private Unit unit = Unit.IDLE;
    /**
     * A statement of the unit failed: the rest of it is skipped up to its Sync (a Query or
     * FunctionCall too, as in PostgreSQL). It outlives a Flush, so it is not a state of {@link Unit}.
     */
    private boolean failed;
    private ShardLink copyIn;
    private CopyFeed copySplit;

    public ShardedRelay(ClientSession session, ShardedDatabase database) {
        this.session = session;
        this.client = session.channel();
        this.database = database;
        EventLoop loop = client.eventLoop();
        this.leases = new ShardLeases(database::pool, this, loop, session.settings());
        this.transaction = new ShardTransaction(leases, database.twoPhaseCommit(), loop, this);
        this.replies = new ClientReplies(client, this::statementFailed);
        this.fanOut = new FanOut(leases, replies, transaction::beginStatement, () -> session.phase() == Phase.CLOSED,
                this::requestEnded);
        this.pin = new Pin(session);
        this.settings = new ShardSettings(session, leases, new ConnectionStateWatch(), loop, this);
        Commands commands = new Commands(session.id(), session.processId(), database, transaction, fanOut, replies, leases, settings, portals, pin,
                this, this::failed, loop, this, this::runExecuted, () -> session.settings().backslashQuotes());
        this.planner = new StatementPlanner(session, database, leases, transaction, settings, pin, commands);
        this.unitEnd = new UnitEnd(session, leases, transaction, pin, settings, portals, commands.columns(), replies);
        this.extended = new ShardedExtendedProtocol(database, portals, replies, planner, commands.run(), commands.kept(), fanOut,
                leases, transaction, this);
    }

    /** Where the unit stands, for the relay's tests. */
    Unit unit() {
        return unit;
    }

    @Override
    public EventExecutor executor() {
        return client.eventLoop();
    }

    // --- login: the default shard confirms the database is there and tells the parameters ---

    @Override
    public void connect() {
        client.config().setAutoRead(false);
        DefaultShardLogin.greet(session, leases, settings, database.config().defaultShard(), this::updateAutoRead);
    }

    // --- frames from the client ---

    @Override
    public void onClientFrame(Frame frame) {
        if (Frontend.of(frame.type()) == Frontend.TERMINATE) {
            frame.release();
            session.closed();
            client.close();
            return;
        }
        if (unit == Unit.COPY_SPLIT || unit == Unit.COPY_IN) {
            duringCopyIn(frame);
            return;
        }
        inbox.add(frame);
        drain();
    }

    /**
     * A client's frame while it is in COPY FROM STDIN (from the CopyInResponse to its CopyDone or
     * CopyFail), handled as PostgreSQL's CopyGetData does: copy messages go to the COPY, Flush and
     * Sync are ignored (a driver may send them not knowing its statement was a COPY), and any other
     * message ends the session, since the client and the server no longer agree on where it stands.
     */
    private void duringCopyIn(Frame frame) {
        Frontend type = Frontend.of(frame.type());
        switch (type) {
            case COPY_DATA, COPY_DONE, COPY_FAIL -> {
                if (unit == Unit.COPY_SPLIT) {
                    copyData(frame);
                    return;
                }
                copyIn.connection().write(frame);
                if (type != Frontend.COPY_DATA) {
                    unit = Unit.COPY_IN_DONE;
                    copyIn.connection().flush();
                }
            }
            case FLUSH, SYNC -> frame.release();
            case QUERY, PARSE, BIND, DESCRIBE, EXECUTE, CLOSE, FUNCTION_CALL, TERMINATE, PASSWORD, UNKNOWN -> {
                byte code = frame.type();
                frame.release();
                client.write(ProxyErrors.error(SqlState.PROTOCOL_VIOLATION,
                        String.format("unexpected message type 0x%02X during COPY from stdin", code & 0xff)), client.voidPromise());
                session.terminate(ProxyErrors.protocolViolation("terminating connection because protocol synchronization was lost"));
            }
        }
    }

    /** A client's CopyData, CopyDone or CopyFail during a COPY into a sharded or a reference table. */
    private void copyData(Frame frame) {
        CopyFeed split = copySplit;
        ShardRequest request = fanOut.current();
        if (split.take(frame, replies, request)) {
            copySplit = null;
            unit = Unit.RUNNING;
        }
        updateAutoRead();
    }

    @Override
    public void copySplitStarted(CopyFeed split) {
        copySplit = split;
        unit = Unit.COPY_SPLIT;
        updateAutoRead();
        copyQueued();
    }

    /**
     * Frames the client sent while the COPY's unit ran, before the shards asked for copy data (read
     * while RUNNING): handled now, in order, as if they came during the COPY.
     */
    private void copyQueued() {
        while ((unit == Unit.COPY_SPLIT || unit == Unit.COPY_IN) && !inbox.isEmpty()) {
            duringCopyIn(inbox.poll());
        }
        if (copyIn != null) {
            copyIn.connection().flush();
        }
    }

    @Override
    public void copySplitEnded() {
        copySplit = null;
        if (unit == Unit.COPY_SPLIT) {
            unit = Unit.RUNNING;
        }
        updateAutoRead();
    }

    /** The request in flight ended: a COPY FROM STDIN on one shard is over with it. */
    private void requestEnded() {
        if (unit == Unit.COPY_IN || unit == Unit.COPY_IN_DONE) {
            unit = Unit.RUNNING;
        }
        copyIn = null;
    }

    @Override
    public void onClientReadComplete() {
        leases.flush();
    }

    @Override
    public void onClientWritabilityChanged() {
        for (ShardLink link : leases.all()) {
            link.connection().setAutoRead(client.isWritable());
        }
    }

    private void drain() {
        while (unit == Unit.IDLE && !inbox.isEmpty() && session.phase() == Phase.READY) {
            Frame first = inbox.peek();
            Frontend type = Frontend.of(first.type());
            if (failed && (type == Frontend.QUERY || type == Frontend.FUNCTION_CALL)) {
                // An extended-protocol error skips everything up to its Sync, a Query too, as in PostgreSQL.
                inbox.poll().release();
                continue;
            }
            switch (type) {
                case QUERY -> {
                    inbox.poll();
                    unit = Unit.RUNNING;
                    String sql = Query.decode(first.body()).sql();
                    first.release();
                    portals.endOfBatchTransaction();
                    simpleQuery(sql);
                }
                case PARSE, BIND, DESCRIBE, EXECUTE, CLOSE, FLUSH, SYNC -> {
                    List<Frame> frames = inbox.takeExtendedUnit();
                    if (frames == null) {
                        // The unit's Sync has not come yet: the client is read for it.
                        updateAutoRead();
                        return;
                    }
                    unit = Unit.RUNNING;
                    extended.run(frames, 0);
                }
                case FUNCTION_CALL -> {
                    inbox.poll();
                    first.release();
                    portals.endOfBatchTransaction();
                    unit = Unit.RUNNING;
                    replies.fail(SqlState.FEATURE_NOT_SUPPORTED, "function calls (the protocol's FunctionCall) are not supported on a sharded database");
                    end(true);
                }
                case COPY_DATA, COPY_DONE, COPY_FAIL, TERMINATE, PASSWORD, UNKNOWN -> {
                    // Copy data after a failed COPY, as a backend does: ignored.
                    inbox.poll().release();
                }
            }
        }
        updateAutoRead();
    }

    private void updateAutoRead() {
        boolean read = session.phase() == Phase.READY && (unit != Unit.RUNNING || inbox.isEmpty());
        if (client.config().isAutoRead() != read) {
            client.config().setAutoRead(read);
        }
    }

    // --- units ---

    private void simpleQuery(String sql) {
        List<LexedStatement> statements = SqlLexer.statements(sql);
        if (statements.isEmpty()) {
            client.write(EmptyQueryResponse.INSTANCE, client.voidPromise());
            end(true);
            return;
        }
        if (statements.size() > 1) {
            // PostgreSQL runs a multi-statement query string as one transaction.
            transaction.startImplicit();
        }
        runStatements(statements, 0);
    }

    /** The statement an SQL EXECUTE runs, as if the client had sent it in its place. */
    private void runExecuted(LexedStatement statement, Runnable next) {
        planner.statement(statement, new SimpleSender(statement), next);
    }

    private void runStatements(List<LexedStatement> statements, int index) {
        if (index == statements.size() || failed || session.phase() == Phase.CLOSED) {
            end(true);
            return;
        }
        LexedStatement statement = statements.get(index);
        planner.statement(statement, new SimpleSender(statement), () -> runStatements(statements, index + 1));
    }

    @Override
    public boolean failed() {
        return failed;
    }

    /** The rest of the unit is skipped, and an explicit transaction is aborted, as in PostgreSQL. */
    private void statementFailed() {
        failed = true;
        transaction.statementFailed();
    }

    /** Ends the unit: at a Sync (or the end of a Query) as {@link UnitEnd} says; at a Flush its answers so far go out. */
    @Override
    public void end(boolean sync) {
        if (!sync) {
            replies.releaseHeld();
            client.flush();
            unit = Unit.IDLE;
            drain();
            return;
        }
        unitEnd.end(failed, nextUnit);
    }

    /** ReadyForQuery is written: the next unit may start. */
    private void nextUnit() {
        failed = false;
        unit = Unit.IDLE;
        drain();
    }

    // --- frames from the shards ---

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        ShardLink link = leases.of(connection);
        ShardRequest current = fanOut.current();
        if (link == null || current == null || !current.involves(link)) {
            frame.release();
            return;
        }
        Backend type = Backend.of(frame.type());
        if (type == Backend.PARAMETER_STATUS) {
            ParameterStatus status = ParameterStatus.decode(frame.body());
            connection.settingReported(status.name(), status.value());
            if (ReportedParameters.settable(status.name())) {
                session.settings().set(status.name(), status.value());
            }
        } else if (type == Backend.COPY_IN_RESPONSE && current.links().size() == 1 && unit == Unit.RUNNING) {
            copyIn = link;
            unit = Unit.COPY_IN;
            updateAutoRead();
            current.onFrame(link, frame);
            copyQueued();
            return;
        }
        current.onFrame(link, frame);
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        client.flush();
    }

    @Override
    public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        ShardLink link = leases.of(connection);
        if (link == null) {
            return;
        }
        boolean inTransaction = link.holdsTransaction();
        leases.lost(link);
        transaction.statementFailed();
        ShardRequest current = fanOut.current();
        if (current != null && current.involves(link)) {
            current.onLinkLost(link);
        } else if (inTransaction && session.phase() != Phase.CLOSED) {
            // The transaction's writes on that shard are gone and no statement is there to carry the
            // error; its COMMIT would answer ROLLBACK without one, which drivers take for success. So
            // the session ends, as a PostgreSQL client's does when its server goes.
            session.terminate(ProxyErrors.backendLost(link.shard()));
            return;
        }
        client.flush();
    }

    // --- the end of the session, and cancels ---

    @Override
    public void onClientClosed() {
        session.closed();
        inbox.releaseAll();
        extended.discard();
        portals.dropPortals();
        if (copySplit != null) {
            copySplit.discard();
            copySplit = null;
        }
        ShardRequest current = fanOut.current();
        if (current != null) {
            // Statements still running: closing their connections makes the backends abort them.
            for (ShardLink link : current.links()) {
                transaction.cursors().forget(link);
                link.connection().detach();
                leases.lost(link);
                link.connection().close();
            }
        }
        // Coordinators kept for a cursor or a suspended portal: rolled back (their temporary tables dropped), then pooled.
        transaction.cursors().transactionEnded();
        leases.closeAll(pin.pinned() || settings.watch().captureDue());
        unitEnd.sessionClosed();
    }

    /** A CancelRequest quoted this session's key: cancel what its shards run now. */
    @Override
    public void cancel() {
        ShardRequest current = fanOut.current();
        if (current == null) {
            return;
        }
        for (ShardLink link : current.links()) {
            if (link.connection().keyData() != null) {
                link.pool().connector().cancel(link.connection().target(), link.connection().keyData(), client.eventLoop());
            }
        }
    }
}
