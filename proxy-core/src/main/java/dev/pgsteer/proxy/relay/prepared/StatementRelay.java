package dev.pgsteer.proxy.relay.prepared;

import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.FUNCTION_CALL;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.QUERY;
import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.SYNC;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.protocol.wire.Wire;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.PreparedOnConnection;
import dev.pgsteer.router.sql.ReservedStatementNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Makes a session's named prepared statements survive transaction pooling. The client's names
 * belong to its session; on the backend a statement is prepared under the proxy-wide name of its
 * SQL and types. Bind and Describe are renamed; a connection that lacks the statement gets a Parse
 * first, and a Parse the connection does not need becomes a no-op whose answer reads as
 * ParseComplete. Every message sent is lined up with the answer it will get, so pgsteer's own
 * answers are taken out and the client sees exactly what PostgreSQL would have sent it.
 *
 * <p>A Parse of a statement PostgreSQL already parsed in the session's scope needs no connection
 * ({@link #answerWithoutConnection}); SQL {@code DEALLOCATE} of one of the session's names forgets
 * the name, as PostgreSQL would forget the statement.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY">Extended query</a>
 */
public final class StatementRelay {
    /**
     * Sent in place of the client's {@code DEALLOCATE name} of its own statement: like DEALLOCATE it
     * has no effect on the backend's statements, no rows to show, and fails in an aborted
     * transaction (25P02); its RowDescription is dropped and its CommandComplete renamed.
     */
    private static final String DEALLOCATE_STAND_IN = "SELECT WHERE false";
    /** Never a registered statement's name (not hex): what a {@link Expectation.Action#PROBE} prepares, then closes. */
    private static final String PROBE = "pgsteer_probe";
    /**
     * The name a Bind, Describe or Close of a name the session has no statement under is sent with:
     * never prepared by pgsteer, so no session reaches a backend statement it does not own by
     * naming it (the {@code pgsteer_} names of {@code pg_prepared_statements} are the others').
     */
    static final String NOWHERE = StatementRegistry.PLACEHOLDER;

    private final StatementRegistry registry;
    /** The session's statements: client's name to backend name. */
    private final Map<String, String> statements = new HashMap<>();
    /** What the session knows to parse in its scope. */
    private final KnownParses known;
    /** The answers the messages sent wait for. */
    private final AnswerQueue expected;
    /** The session keeps its connection: it may have statements of its own made by SQL PREPARE there. */
    private boolean pinned;
    /**
     * The pgsteer_ name the session's unnamed statement named in EXECUTE (renamed to NOWHERE), and
     * that of the unnamed portal bound to it: its Execute's 26000 names the client's, as PostgreSQL's would.
     */
    private String unnamedRenamedFrom;
    private String portalRenamedFrom;
    private final ReservedNameGuard reservedNames = new ReservedNameGuard();
    private final LocalAnswers localAnswers;
    /** The session's unnamed statement, which the connection it is on holds now. */
    private final UnnamedStatement unnamed = new UnnamedStatement();

    /**
     * A session's relay; {@code settings} are the session's settings (lower-case names), which
     * change when {@code settingsVersion} does.
     */
    public StatementRelay(StatementRegistry registry, Supplier<Map<String, String>> settings, IntSupplier settingsVersion) {
        this.registry = registry;
        this.known = new KnownParses(registry, settings, settingsVersion);
        this.expected = new AnswerQueue(registry, statements, unnamed, known);
        this.localAnswers = new LocalAnswers(registry, statements, known);
    }

    /** Writes one client frame to the connection, renamed and preceded by what it needs. Consumes the frame. */
    public void forward(Frame frame, BackendConnection connection) {
        ByteBufAllocator alloc = connection.channel().alloc();
        switch (frame.type()) {
            case StatementFrames.PARSE -> forwardParse(frame, connection, alloc);
            case StatementFrames.BIND -> {
                boolean bindsUnnamed = StatementFrames.bindsUnnamed(frame);
                if (StatementFrames.namesUnnamedPortal(frame)) {
                    portalRenamedFrom = bindsUnnamed ? unnamedRenamedFrom : null;
                }
                if (bindsUnnamed && !ensureUnnamed(connection)) {
                    // The session has no unnamed statement: the connection's is another session's.
                    connection.write(StatementFrames.renameBind(alloc, frame, NOWHERE));
                    expected.add(new Expectation(Expectation.Kind.BIND, Expectation.Action.UNKNOWN_NAME, "", NOWHERE));
                    return;
                }
                String backendName = bindsUnnamed ? null : backendName(StatementFrames.bindStatement(frame));
                if (backendName != null) {
                    ensurePrepared(backendName, connection, alloc);
                    connection.write(StatementFrames.renameBind(alloc, frame, backendName));
                    expected.add(new Expectation(Expectation.Kind.BIND, Expectation.Action.RELAY, null, backendName));
                } else if (bindsUnnamed || reachesOwnStatement(StatementFrames.bindStatement(frame))) {
                    connection.write(frame);
                    expected.add(Expectation.BIND_RELAY);
                } else {
                    String clientName = StatementFrames.bindStatement(frame);
                    connection.write(StatementFrames.renameBind(alloc, frame, NOWHERE));
                    expected.add(new Expectation(Expectation.Kind.BIND, Expectation.Action.UNKNOWN_NAME, clientName, NOWHERE));
                }
            }
            case StatementFrames.DESCRIBE -> {
                boolean ofStatement = StatementFrames.targetKind(frame) == StatementFrames.STATEMENT;
                if (ofStatement && StatementFrames.targetsUnnamed(frame) && !ensureUnnamed(connection)) {
                    frame.release();
                    connection.write(StatementFrames.target(alloc, StatementFrames.DESCRIBE, StatementFrames.STATEMENT, NOWHERE));
                    expected.add(new Expectation(Expectation.Kind.DESCRIBE, Expectation.Action.UNKNOWN_NAME, "", NOWHERE));
                    return;
                }
                String clientName = ofStatement ? StatementFrames.targetName(frame) : null;
                String backendName = ofStatement ? backendName(clientName) : null;
                if (backendName != null) {
                    ensurePrepared(backendName, connection, alloc);
                    frame.release();
                    connection.write(StatementFrames.target(alloc, StatementFrames.DESCRIBE, StatementFrames.STATEMENT, backendName));
                    expected.add(Expectation.DESCRIBE_RELAY);
                } else if (!ofStatement || clientName.isEmpty() || reachesOwnStatement(clientName)) {
                    connection.write(frame);
                    expected.add(Expectation.DESCRIBE_RELAY);
                } else {
                    frame.release();
                    connection.write(StatementFrames.target(alloc, StatementFrames.DESCRIBE, StatementFrames.STATEMENT, NOWHERE));
                    expected.add(new Expectation(Expectation.Kind.DESCRIBE, Expectation.Action.UNKNOWN_NAME, clientName, NOWHERE));
                }
            }
            case StatementFrames.CLOSE -> {
                if (StatementFrames.targetKind(frame) == StatementFrames.STATEMENT) {
                    // The backend statement stays for other sessions; only this session's name goes.
                    // Closing a name the backend never had answers CloseComplete, as PostgreSQL does.
                    String name = StatementFrames.targetName(frame);
                    statements.remove(name);
                    if (name.isEmpty()) {
                        unnamed.forget();
                    } else if (!reachesOwnStatement(name)) {
                        // Not a backend statement of another session's (it answers CloseComplete all the same).
                        frame.release();
                        frame = new Frame(StatementFrames.target(alloc, StatementFrames.CLOSE, StatementFrames.STATEMENT, NOWHERE));
                    }
                }
                connection.write(frame);
                expected.add(Expectation.CLOSE_RELAY);
            }
            case StatementFrames.EXECUTE -> {
                boolean renamed = portalRenamedFrom != null && StatementFrames.namesUnnamedPortal(frame);
                connection.write(frame);
                expected.add(renamed ? new Expectation(Expectation.Kind.EXECUTE, Expectation.Action.UNKNOWN_NAME,
                        portalRenamedFrom, NOWHERE) : Expectation.EXECUTE_RELAY);
            }
            case SYNC -> {
                connection.write(frame);
                expected.add(Expectation.SYNC);
            }
            case QUERY -> {
                // A simple Query destroys the unnamed statement, as PostgreSQL's exec_simple_query does.
                unnamed.forget();
                String deallocated = DeallocateCommand.ofSessionStatement(frame, statements);
                if (deallocated != null) {
                    frame.release();
                    connection.write(query(alloc, DEALLOCATE_STAND_IN));
                    expected.add(new Expectation(Expectation.Kind.QUERY, Expectation.Action.ANSWER_AS_DEALLOCATE, deallocated, null));
                } else {
                    ReservedStatementNames.Renamed renamed = reservedNamesRenamed(frame);
                    if (renamed != null) {
                        frame.release();
                        connection.write(query(alloc, renamed.sql()));
                        expected.add(new Expectation(Expectation.Kind.QUERY, Expectation.Action.UNKNOWN_NAME, renamed.firstName(), NOWHERE));
                    } else {
                        connection.write(frame);
                        expected.add(Expectation.QUERY);
                    }
                }
            }
            case FUNCTION_CALL -> {
                connection.write(frame);
                expected.add(Expectation.QUERY);
            }
            default -> connection.write(frame);
        }
    }

    /**
     * Writes a Parse of the unnamed statement that is pgsteer's own (one that raises the error of a
     * refused Bind): the client never sees its ParseComplete. Consumes the frame.
     */
    public void forwardOwnParse(Frame parse, BackendConnection connection) {
        unnamed.shadowedByOwn();
        connection.write(parse);
        expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.SWALLOW, null, null));
    }

    /**
     * Whether a Bind, Describe or Close of {@code clientName}, which the session has no statement
     * under, may go to the backend as it is: only in a pinned session (its SQL PREPAREs are there
     * under their own names), and never for one of pgsteer's names, which are other sessions'.
     */
    private boolean reachesOwnStatement(String clientName) {
        return pinned && !clientName.startsWith(ReservedStatementNames.PREFIX);
    }

    /** A Query's or Parse's text with pgsteer's statement names renamed, or null. */
    private ReservedStatementNames.Renamed reservedNamesRenamed(Frame frame) {
        return reservedNames.renamed(frame, known.backslashQuotes());
    }

    private String backendName(String clientName) {
        return clientName.isEmpty() ? null : statements.get(clientName);
    }

    private void forwardParse(Frame frame, BackendConnection connection, ByteBufAllocator alloc) {
        ReservedStatementNames.Renamed renamed = reservedNamesRenamed(frame);
        if (renamed != null) {
            // Its Execute gets 26000 naming pgsteer_none: the client's name is in a statement shared by sessions.
            frame = ReservedNameGuard.withParseText(frame, renamed.sql(), alloc);
        }
        if (StatementFrames.parsesUnnamed(frame)) {
            unnamedRenamedFrom = renamed == null ? null : renamed.firstName();
            unnamed.parsed(frame);
            connection.write(frame);
            expected.add(Expectation.PARSE_RELAY);
            return;
        }
        String clientName = StatementFrames.parseName(frame);
        String backendName = registry.nameFor(StatementFrames.parseTail(frame));
        String existing = statements.get(clientName);
        if (existing != null) {
            // PostgreSQL refuses a second statement of the same name (42P05); let the backend say
            // so by preparing the existing one's name again, and put the client's name in the error.
            ensurePrepared(existing, connection, alloc);
            connection.write(StatementFrames.renameParse(alloc, frame, existing));
            expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.NAME_DUPLICATE, clientName, existing));
            return;
        }
        statements.put(clientName, backendName);
        PreparedOnConnection prepared = connection.preparedStatements();
        ParseScope scope = known.knownScope(connection.target());
        if (prepared.contains(backendName)) {
            if (scope != null && registry.parsed().contains(scope, backendName)) {
                frame.release();
                connection.write(StatementFrames.target(alloc, StatementFrames.CLOSE, StatementFrames.STATEMENT, StatementRegistry.PLACEHOLDER));
                expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.ANSWER_AS_PARSE, clientName, backendName));
                return;
            }
            // Prepared here in another session's scope, or after a catalog change: whether it parses
            // in this session's settings is PostgreSQL's to say, at this Parse, as it would without pgsteer.
            connection.write(StatementFrames.renameParse(alloc, frame, PROBE));
            expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.PROBE, clientName, backendName, scope));
            connection.write(StatementFrames.target(alloc, StatementFrames.CLOSE, StatementFrames.STATEMENT, PROBE));
            expected.add(new Expectation(Expectation.Kind.CLOSE, Expectation.Action.SWALLOW, null, null));
            return;
        }
        closeEvicted(prepared.add(backendName), connection, alloc);
        connection.write(StatementFrames.renameParse(alloc, frame, backendName));
        expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.RELAY, clientName, backendName, scope));
    }

    /**
     * The unnamed statement outlives its transaction in PostgreSQL (until the next unnamed Parse or
     * simple Query): one the session made on another connection is made again on this one before
     * its Bind or Describe, and its ParseComplete is pgsteer's.
     */
    private boolean ensureUnnamed(BackendConnection connection) {
        boolean exists = unnamed.exists();
        ByteBuf parse = unnamed.toSendAgain(connection.channel().alloc());
        if (parse != null) {
            connection.write(parse);
            expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.SWALLOW, null, null));
        }
        return exists;
    }

    private void ensurePrepared(String backendName, BackendConnection connection, ByteBufAllocator alloc) {
        PreparedOnConnection prepared = connection.preparedStatements();
        if (prepared.contains(backendName)) {
            return;
        }
        closeEvicted(prepared.add(backendName), connection, alloc);
        connection.write(StatementFrames.parse(alloc, backendName, registry.tail(backendName)));
        expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.SWALLOW, null, backendName,
                known.knownScope(connection.target())));
    }

    private void closeEvicted(String evicted, BackendConnection connection, ByteBufAllocator alloc) {
        if (evicted != null) {
            connection.write(StatementFrames.target(alloc, StatementFrames.CLOSE, StatementFrames.STATEMENT, evicted));
            expected.add(new Expectation(Expectation.Kind.CLOSE, Expectation.Action.SWALLOW, null, evicted));
        }
    }

    /**
     * Lines a backend frame up with what was asked. Returns what to relay to the client: the frame,
     * a replacement, or null when the answer was to pgsteer's own message. Consumes the frame.
     */
    public ByteBuf onBackendFrame(Frame frame, BackendConnection connection) {
        return expected.onBackendFrame(frame, connection);
    }

    /** DISCARD ALL or DEALLOCATE ALL: the session's statements are gone, as on PostgreSQL. */
    public void forgetAll() {
        statements.clear();
    }

    /** A new lease: nothing is outstanding on it. */
    public void reset() {
        expected.clear();
        known.leaseStarted();
        unnamed.leaseEnded();
    }

    /** The session's connection went back to its pool (or away): its unnamed statement is no longer there. */
    public void leaseEnded() {
        unnamed.leaseEnded();
    }

    /** The session ended: nothing it kept is needed any more. */
    public void close() {
        unnamed.forget();
    }

    /**
     * The session was pinned: what it changed on its connection (a SET pgsteer cannot follow) may be
     * missing from its settings, so its Parses tell nothing of its scope's.
     */
    public void sessionPinned() {
        known.sessionPinned();
        pinned = true;
    }

    /** The backend sent ReadyForQuery: the statements it parsed since the last one may become known valid (see {@link KnownParses}). */
    public void readyForQuery(TransactionStatus status) {
        known.readyForQuery(status);
    }

    /**
     * Answers {@code frame} without a connection when pgsteer can, exactly as PostgreSQL would (see
     * {@link LocalAnswers#answer}). Consumes the frame when it answers; otherwise leaves it as it is.
     */
    public LocalAnswer answerWithoutConnection(Frame frame, BackendTarget backend) {
        return localAnswers.answer(frame, backend);
    }

    private static ByteBuf query(ByteBufAllocator alloc, byte[] sql) {
        ByteBuf out = alloc.buffer(6 + sql.length);
        int length = Wire.beginMessage(out, 'Q');
        out.writeBytes(sql).writeByte(0);
        Wire.endMessage(out, length);
        return out;
    }

    private static ByteBuf query(ByteBufAllocator alloc, String sql) {
        ByteBuf out = alloc.buffer(6 + sql.length());
        int length = Wire.beginMessage(out, 'Q');
        Wire.writeCString(out, sql);
        Wire.endMessage(out, length);
        return out;
    }
}
