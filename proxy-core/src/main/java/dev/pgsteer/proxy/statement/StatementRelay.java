package dev.pgsteer.proxy.statement;

import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.codec.StatementFrames;
import dev.pgsteer.protocol.codec.Wire;
import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.router.sql.ReservedStatementNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ByteProcessor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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
    private static final byte[] PARSE_COMPLETE = {'1', 0, 0, 0, 4};
    /**
     * Sent in place of the client's {@code DEALLOCATE name} of its own statement: like DEALLOCATE it
     * has no effect on the backend's statements, no rows to show, and fails in an aborted
     * transaction (25P02); its RowDescription is dropped and its CommandComplete renamed.
     */
    private static final String DEALLOCATE_STAND_IN = "SELECT WHERE false";
    private static final String DEALLOCATE_TAG = "DEALLOCATE";
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
    private final ArrayDeque<Expectation> expected = new ArrayDeque<>();
    /** The session's settings, and a number that changes with them: half of its {@link ParseScope}. */
    private final Supplier<Map<String, String>> settings;
    private final IntSupplier settingsVersion;
    private ParseScope scope;
    private BackendTarget scopeBackend;
    private int scopeVersion;
    /** Parses the backend completed since its last ReadyForQuery: known valid once it comes (see {@link #readyForQuery}). */
    private final List<Expectation> parsedSinceReady = new ArrayList<>();
    /** A statement of this session changed the catalog in the transaction going on. */
    private boolean catalogChanged;
    /** False once the session is pinned: its connection may carry settings its {@link ParseScope} does not show. */
    private boolean settingsKnown = true;
    /** The session keeps its connection: it may have statements of its own made by SQL PREPARE there. */
    private boolean pinned;
    /**
     * The pgsteer_ name the session's unnamed statement named in EXECUTE (renamed to NOWHERE), and
     * that of the unnamed portal bound to it: its Execute's 26000 names the client's, as PostgreSQL's would.
     */
    private String unnamedRenamedFrom;
    private String portalRenamedFrom;
    /** Looks for pgsteer's statement names in each Query and Parse text. */
    private final PrefixFinder prefixFinder = new PrefixFinder();
    /** The session's unnamed statement, which the connection it is on holds now. */
    private final UnnamedStatement unnamed = new UnnamedStatement();

    /**
     * A session's relay; {@code settings} are the session's settings (lower-case names), which
     * change when {@code settingsVersion} does.
     */
    public StatementRelay(StatementRegistry registry, Supplier<Map<String, String>> settings, IntSupplier settingsVersion) {
        this.registry = registry;
        this.settings = settings;
        this.settingsVersion = settingsVersion;
    }

    /** Writes one client frame to the connection, renamed and preceded by what it needs. Consumes the frame. */
    public void forward(Frame frame, BackendConnection connection) {
        ByteBufAllocator alloc = connection.channel().alloc();
        switch (frame.type()) {
            case StatementFrames.PARSE -> forwardParse(frame, connection, alloc);
            case StatementFrames.BIND -> {
                boolean bindsUnnamed = StatementFrames.bindsUnnamed(frame);
                if (frame.body().getByte(frame.body().readerIndex()) == 0) {
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
            case 'E' -> {
                boolean renamed = portalRenamedFrom != null && frame.body().getByte(frame.body().readerIndex()) == 0;
                connection.write(frame);
                expected.add(renamed ? new Expectation(Expectation.Kind.EXECUTE, Expectation.Action.UNKNOWN_NAME,
                        portalRenamedFrom, NOWHERE) : Expectation.EXECUTE_RELAY);
            }
            case 'S' -> {
                connection.write(frame);
                expected.add(Expectation.SYNC);
            }
            case 'Q' -> {
                // A simple Query destroys the unnamed statement, as PostgreSQL's exec_simple_query does.
                unnamed.forget();
                String deallocated = ownDeallocated(frame);
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
            case 'F' -> {
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

    /**
     * A Query's or Parse's text with pgsteer's statement names renamed, or null. The text is copied
     * only when it holds {@code pgsteer_} (in any case): one pass over the bytes where they are.
     */
    private ReservedStatementNames.Renamed reservedNamesRenamed(Frame frame) {
        ByteBuf body = frame.body();
        int from = body.readerIndex();
        if (frame.type() == StatementFrames.PARSE) {
            from = body.indexOf(from, body.writerIndex(), (byte) 0) + 1;
        }
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        int length = (end < 0 ? body.writerIndex() : end) - from;
        if (length < ReservedStatementNames.PREFIX.length() || body.forEachByte(from, length, prefixFinder.fromStart()) < 0) {
            return null;
        }
        byte[] text = new byte[length];
        body.getBytes(from, text);
        // As SessionSettings.backslashQuotes() says it; this package does not depend on the client's.
        boolean backslashQuotes = "off".equals(settings.get().get("standard_conforming_strings"));
        return ReservedStatementNames.rename(text, 0, length, backslashQuotes, NOWHERE);
    }

    /** Stops at the end of {@code pgsteer_}, in any case. Its first letter occurs once in it: no backtracking. */
    private static final class PrefixFinder implements ByteProcessor {
        private int matched;

        /** Ready for another text: one finder serves every statement of the session, allocating nothing. */
        PrefixFinder fromStart() {
            matched = 0;
            return this;
        }

        @Override
        public boolean process(byte value) {
            int b = value >= 'A' && value <= 'Z' ? value + ('a' - 'A') : value;
            if (b == ReservedStatementNames.PREFIX.charAt(matched)) {
                matched++;
            } else {
                matched = b == 'p' ? 1 : 0;
            }
            return matched < ReservedStatementNames.PREFIX.length();
        }
    }

    /** The Parse with {@code sql} as its text, name and parameter types kept. Consumes {@code parse}. */
    private static Frame withParseText(Frame parse, byte[] sql, ByteBufAllocator alloc) {
        ByteBuf body = parse.body();
        int nameEnd = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        int textEnd = body.indexOf(nameEnd + 1, body.writerIndex(), (byte) 0);
        ByteBuf out = alloc.buffer(16 + sql.length + body.readableBytes());
        int length = Wire.beginMessage(out, 'P');
        out.writeBytes(body, body.readerIndex(), nameEnd + 1 - body.readerIndex());
        out.writeBytes(sql).writeByte(0);
        out.writeBytes(body, textEnd + 1, body.writerIndex() - textEnd - 1);
        Wire.endMessage(out, length);
        parse.release();
        return new Frame(out);
    }

    private String backendName(String clientName) {
        return clientName.isEmpty() ? null : statements.get(clientName);
    }

    private void forwardParse(Frame frame, BackendConnection connection, ByteBufAllocator alloc) {
        ReservedStatementNames.Renamed renamed = reservedNamesRenamed(frame);
        if (renamed != null) {
            // Its Execute gets 26000 naming pgsteer_none: the client's name is in a statement shared by sessions.
            frame = withParseText(frame, renamed.sql(), alloc);
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
        ParseScope scope = knownScope(connection.target());
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
                knownScope(connection.target())));
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
        byte type = frame.type();
        if (type == CommandComplete.TYPE && CatalogChange.in(frame.body())) {
            catalogChanged = true;
            registry.parsed().forgetAll();
        }
        Expectation head = expected.peek();
        if (head == null) {
            return frame.content();
        }
        if (type == ErrorResponse.ERROR) {
            return onError(frame, head, connection);
        }
        if (head.action() == Expectation.Action.ANSWER_AS_DEALLOCATE && (type == 'T' || type == CommandComplete.TYPE)) {
            frame.release();
            if (type == 'T') {
                return null;
            }
            statements.remove(head.clientName());
            return commandComplete(DEALLOCATE_TAG);
        }
        if (!head.completedBy(type)) {
            return frame.content();
        }
        expected.poll();
        if (head.scope() != null) {
            parsedSinceReady.add(head);
        }
        return switch (head.action()) {
            case RELAY, PROBE, NAME_DUPLICATE, ANSWER_AS_DEALLOCATE, UNKNOWN_NAME -> frame.content();
            case SWALLOW -> {
                frame.release();
                yield null;
            }
            case ANSWER_AS_PARSE -> {
                frame.release();
                yield Unpooled.wrappedBuffer(PARSE_COMPLETE);
            }
        };
    }

    private ByteBuf onError(Frame frame, Expectation head, BackendConnection connection) {
        if (head.kind() == Expectation.Kind.QUERY || head.kind() == Expectation.Kind.SYNC) {
            // Inside a simple query errors do not end it; at Sync, the implicit commit failed.
            return head.action() == Expectation.Action.UNKNOWN_NAME ? renameInError(frame, NOWHERE, head.clientName())
                    : frame.content();
        }
        ByteBuf relayed = frame.content();
        Expectation failed = expected.poll();
        if (failed.action() == Expectation.Action.NAME_DUPLICATE || failed.action() == Expectation.Action.UNKNOWN_NAME) {
            relayed = renameInError(frame, failed.backendName(), failed.clientName());
        } else {
            if (failed.scope() != null || failed.kind() == Expectation.Kind.BIND && failed.backendName() != null
                    && catalogError(frame)) {
                // Whatever let it parse before (elsewhere, earlier) holds no more.
                registry.parsed().forget(failed.backendName());
            }
            undo(failed, connection);
        }
        // The backend now ignores everything up to the next Sync: those answers will never come.
        while (!expected.isEmpty() && !expected.peek().endsSkipping()) {
            undo(expected.poll(), connection);
        }
        return relayed;
    }

    /** A Parse that did not happen: its statement exists neither on the connection nor in the session. */
    private void undo(Expectation skipped, BackendConnection connection) {
        if (skipped.kind() != Expectation.Kind.PARSE) {
            return;
        }
        if (skipped.backendName() == null) {
            // A failed unnamed Parse has destroyed the unnamed statement before it (PostgreSQL drops it first).
            unnamed.forget();
            return;
        }
        if (skipped.action() != Expectation.Action.ANSWER_AS_PARSE && skipped.action() != Expectation.Action.PROBE) {
            connection.preparedStatements().remove(skipped.backendName());
        }
        if (skipped.clientName() != null && skipped.backendName().equals(statements.get(skipped.clientName()))) {
            statements.remove(skipped.clientName());
        }
    }

    /**
     * Whether an error is one of a statement that no longer analyses against the catalog (class 42:
     * a relation, column or function gone), as a Bind of a statement prepared before a DROP gets
     * when PostgreSQL analyses it again; not one of the Bind's own values.
     */
    private static boolean catalogError(Frame error) {
        String sqlState = ErrorResponse.decode(ErrorResponse.ERROR, error.body()).fields().get(ErrorResponse.CODE);
        return sqlState != null && sqlState.startsWith("42");
    }

    private static ByteBuf renameInError(Frame frame, String backendName, String clientName) {
        ErrorResponse error = ErrorResponse.decode(ErrorResponse.ERROR, frame.body());
        frame.release();
        Map<Character, String> fields = new LinkedHashMap<>(error.fields());
        // PostgreSQL names the unnamed statement so: "unnamed prepared statement does not exist".
        fields.computeIfPresent(ErrorResponse.MESSAGE, (k, message) -> clientName.isEmpty()
                ? message.replace("prepared statement \"" + backendName + "\"", "unnamed prepared statement")
                : message.replace(backendName, clientName));
        ByteBuf out = Unpooled.buffer();
        new ErrorResponse(ErrorResponse.ERROR, fields).encode(out);
        return out;
    }

    /** DISCARD ALL or DEALLOCATE ALL: the session's statements are gone, as on PostgreSQL. */
    public void forgetAll() {
        statements.clear();
    }

    /** A new lease: nothing is outstanding on it. */
    public void reset() {
        expected.clear();
        parsedSinceReady.clear();
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
        settingsKnown = false;
        pinned = true;
    }

    /**
     * The backend sent ReadyForQuery: the statements it parsed since the last one become known valid
     * in their scope. Not when the session was pinned meanwhile (a SET pgsteer cannot follow, sent
     * before the Parse in the same exchange, pins only at this ReadyForQuery), nor when its settings
     * changed after the Parse was sent, nor in a transaction that changed the catalog: what it
     * created may be rolled back, and the statements parsed before it was dropped may fail now. When
     * that transaction is over, everything known is forgotten once more, after other sessions may
     * have parsed against the catalog it had not committed yet.
     */
    public void readyForQuery(TransactionStatus status) {
        if (catalogChanged) {
            parsedSinceReady.clear();
            if (status == TransactionStatus.IDLE) {
                catalogChanged = false;
                registry.parsed().forgetAll();
            }
            return;
        }
        if (parsedSinceReady.isEmpty()) {
            return;
        }
        if (settingsKnown) {
            for (Expectation parsed : parsedSinceReady) {
                if (parsed.scope().equals(scope(parsed.scope().backend()))) {
                    registry.parsed().add(parsed.scope(), parsed.backendName());
                }
            }
        }
        parsedSinceReady.clear();
    }

    /**
     * Answers {@code frame} without a connection when pgsteer can, exactly as PostgreSQL would, for
     * a session that holds none and has nothing under way on {@code backend}'s pool:
     * <ul>
     * <li>a Parse of a named statement PostgreSQL parsed in the session's scope, and that the session
     *     does not have under that name yet (a second one gets PostgreSQL's 42P05 from the backend):
     *     ParseComplete. The statement is prepared on the connection that runs its Bind or Describe.
     * <li>a Close: the session's name goes, the backend statement stays; closing what does not
     *     exist is no error in PostgreSQL either.
     * <li>a Query that is exactly {@code DEALLOCATE [PREPARE] name} of one of the session's statements:
     *     the name goes.
     * </ul>
     * Consumes the frame when it answers; otherwise leaves it as it is.
     */
    public LocalAnswer answerWithoutConnection(Frame frame, BackendTarget backend) {
        switch (frame.type()) {
            case StatementFrames.PARSE -> {
                if (StatementFrames.parsesUnnamed(frame)) {
                    return LocalAnswer.NONE;
                }
                String clientName = StatementFrames.parseName(frame);
                if (statements.containsKey(clientName)) {
                    return LocalAnswer.NONE;
                }
                String backendName = registry.nameFor(StatementFrames.parseTail(frame));
                ParseScope scope = knownScope(backend);
                if (scope == null || !registry.parsed().contains(scope, backendName)) {
                    return LocalAnswer.NONE;
                }
                statements.put(clientName, backendName);
                frame.release();
                return LocalAnswer.PARSE_COMPLETE;
            }
            case StatementFrames.CLOSE -> {
                if (StatementFrames.targetKind(frame) == StatementFrames.STATEMENT) {
                    statements.remove(StatementFrames.targetName(frame));
                }
                frame.release();
                return LocalAnswer.CLOSE_COMPLETE;
            }
            case 'Q' -> {
                String deallocated = ownDeallocated(frame);
                if (deallocated == null) {
                    return LocalAnswer.NONE;
                }
                statements.remove(deallocated);
                frame.release();
                return LocalAnswer.DEALLOCATE;
            }
            default -> {
                return LocalAnswer.NONE;
            }
        }
    }

    /** The session's statement name that a Query {@code DEALLOCATE [PREPARE] name} deallocates; null if it is none. */
    private String ownDeallocated(Frame query) {
        if (statements.isEmpty()) {
            return null;
        }
        String name = DeallocateCommand.statementName(query.body());
        return name != null && statements.containsKey(name) ? name : null;
    }

    /** The scope of this session's statements on {@code backend}, or null once pgsteer does not know its settings. */
    private ParseScope knownScope(BackendTarget backend) {
        return settingsKnown ? scope(backend) : null;
    }

    /** The scope a statement of this session is parsed in on {@code backend}, rebuilt only when its settings change. */
    private ParseScope scope(BackendTarget backend) {
        int version = settingsVersion.getAsInt();
        if (scope == null || version != scopeVersion || backend != scopeBackend) {
            scope = ParseScope.of(backend, settings.get());
            scopeBackend = backend;
            scopeVersion = version;
        }
        return scope;
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

    private static ByteBuf commandComplete(String tag) {
        ByteBuf out = Unpooled.buffer(6 + tag.length());
        new CommandComplete(tag).encode(out);
        return out;
    }
}
