package dev.pgsteer.proxy.statement;

import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.codec.StatementFrames;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.proxy.backend.BackendConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes a session's named prepared statements survive transaction pooling. The client's names
 * belong to its session; on the backend a statement is prepared under the proxy-wide name of its
 * SQL and types. Bind and Describe are renamed; a connection that lacks the statement gets a Parse
 * first, and a Parse the connection does not need becomes a no-op whose answer reads as
 * ParseComplete. Every message sent is lined up with the answer it will get, so pgsteer's own
 * answers are taken out and the client sees exactly what PostgreSQL would have sent it.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY">Extended query</a>
 */
public final class StatementRelay {
    private static final byte[] PARSE_COMPLETE = {'1', 0, 0, 0, 4};

    private final StatementRegistry registry;
    /** The session's statements: client's name to backend name. */
    private final Map<String, String> statements = new HashMap<>();
    private final ArrayDeque<Expectation> expected = new ArrayDeque<>();

    public StatementRelay(StatementRegistry registry) {
        this.registry = registry;
    }

    /** Writes one client frame to the connection, renamed and preceded by what it needs. Consumes the frame. */
    public void forward(Frame frame, BackendConnection connection) {
        ByteBufAllocator alloc = connection.channel().alloc();
        switch (frame.type()) {
            case StatementFrames.PARSE -> forwardParse(frame, connection, alloc);
            case StatementFrames.BIND -> {
                String backendName = StatementFrames.bindsUnnamed(frame) ? null : backendName(StatementFrames.bindStatement(frame));
                if (backendName != null) {
                    ensurePrepared(backendName, connection, alloc);
                    connection.write(StatementFrames.renameBind(alloc, frame, backendName));
                } else {
                    connection.write(frame);
                }
                expected.add(Expectation.BIND_RELAY);
            }
            case StatementFrames.DESCRIBE -> {
                String backendName = StatementFrames.targetKind(frame) == StatementFrames.STATEMENT
                        ? backendName(StatementFrames.targetName(frame)) : null;
                if (backendName != null) {
                    ensurePrepared(backendName, connection, alloc);
                    frame.release();
                    connection.write(StatementFrames.target(alloc, StatementFrames.DESCRIBE, StatementFrames.STATEMENT, backendName));
                } else {
                    connection.write(frame);
                }
                expected.add(Expectation.DESCRIBE_RELAY);
            }
            case StatementFrames.CLOSE -> {
                if (StatementFrames.targetKind(frame) == StatementFrames.STATEMENT) {
                    // The backend statement stays for other sessions; only this session's name goes.
                    // Closing a name the backend never had answers CloseComplete, as PostgreSQL does.
                    statements.remove(StatementFrames.targetName(frame));
                }
                connection.write(frame);
                expected.add(Expectation.CLOSE_RELAY);
            }
            case 'E' -> {
                connection.write(frame);
                expected.add(Expectation.EXECUTE_RELAY);
            }
            case 'S' -> {
                connection.write(frame);
                expected.add(Expectation.SYNC);
            }
            case 'Q', 'F' -> {
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
        connection.write(parse);
        expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.SWALLOW, null, null));
    }

    private String backendName(String clientName) {
        return clientName.isEmpty() ? null : statements.get(clientName);
    }

    private void forwardParse(Frame frame, BackendConnection connection, ByteBufAllocator alloc) {
        if (StatementFrames.parsesUnnamed(frame)) {
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
        if (prepared.contains(backendName)) {
            frame.release();
            connection.write(StatementFrames.target(alloc, StatementFrames.CLOSE, StatementFrames.STATEMENT, StatementRegistry.PLACEHOLDER));
            expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.ANSWER_AS_PARSE, clientName, backendName));
            return;
        }
        closeEvicted(prepared.add(backendName), connection, alloc);
        connection.write(StatementFrames.renameParse(alloc, frame, backendName));
        expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.RELAY, clientName, backendName));
    }

    private void ensurePrepared(String backendName, BackendConnection connection, ByteBufAllocator alloc) {
        PreparedOnConnection prepared = connection.preparedStatements();
        if (prepared.contains(backendName)) {
            return;
        }
        closeEvicted(prepared.add(backendName), connection, alloc);
        connection.write(StatementFrames.parse(alloc, backendName, registry.tail(backendName)));
        expected.add(new Expectation(Expectation.Kind.PARSE, Expectation.Action.SWALLOW, null, backendName));
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
        Expectation head = expected.peek();
        if (head == null) {
            return frame.content();
        }
        if (type == ErrorResponse.ERROR) {
            return onError(frame, head, connection);
        }
        if (!head.completedBy(type)) {
            return frame.content();
        }
        expected.poll();
        return switch (head.action()) {
            case RELAY, NAME_DUPLICATE -> frame.content();
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
            return frame.content();
        }
        ByteBuf relayed = frame.content();
        Expectation failed = expected.poll();
        if (failed.action() == Expectation.Action.NAME_DUPLICATE) {
            relayed = renameInError(frame, failed.backendName(), failed.clientName());
        } else {
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
        if (skipped.kind() != Expectation.Kind.PARSE || skipped.backendName() == null) {
            return;
        }
        if (skipped.action() != Expectation.Action.ANSWER_AS_PARSE) {
            connection.preparedStatements().remove(skipped.backendName());
        }
        if (skipped.clientName() != null && skipped.backendName().equals(statements.get(skipped.clientName()))) {
            statements.remove(skipped.clientName());
        }
    }

    private static ByteBuf renameInError(Frame frame, String backendName, String clientName) {
        ErrorResponse error = ErrorResponse.decode(ErrorResponse.ERROR, frame.body());
        frame.release();
        Map<Character, String> fields = new LinkedHashMap<>(error.fields());
        fields.computeIfPresent(ErrorResponse.MESSAGE, (k, message) -> message.replace(backendName, clientName));
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
    }
}
