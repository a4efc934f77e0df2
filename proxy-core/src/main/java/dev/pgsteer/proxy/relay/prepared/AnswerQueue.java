package dev.pgsteer.proxy.relay.prepared;

import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lines the backend's answers up with the messages sent, one {@link Expectation} each, in order:
 * pgsteer's own answers are taken out, stand-ins answered as what they stand for, and names in
 * errors put back as the client wrote them, so the client sees exactly what PostgreSQL would have
 * sent it. After an error the backend skips to the next Sync, and so does the queue, undoing what
 * the skipped messages would have done.
 */
final class AnswerQueue {
    private static final byte[] PARSE_COMPLETE = {'1', 0, 0, 0, 4};
    private static final String DEALLOCATE_TAG = "DEALLOCATE";

    /** Starts small and grows with the session's batches (an idle session holds 24 bytes, not 88). */
    private final ArrayDeque<Expectation> expected = new ArrayDeque<>(1);
    private final StatementRegistry registry;
    /** The session's statements: client's name to backend name (shared with {@link StatementRelay}). */
    private final Map<String, String> statements;
    private final UnnamedStatement unnamed;
    private final KnownParses known;

    AnswerQueue(StatementRegistry registry, Map<String, String> statements, UnnamedStatement unnamed, KnownParses known) {
        this.registry = registry;
        this.statements = statements;
        this.unnamed = unnamed;
        this.known = known;
    }

    /** A message went to the backend: {@code expectation} waits for its answer. */
    void add(Expectation expectation) {
        expected.add(expectation);
    }

    /** A new lease: nothing is outstanding on it. */
    void clear() {
        expected.clear();
    }

    /**
     * Lines a backend frame up with what was asked. Returns what to relay to the client: the frame,
     * a replacement, or null when the answer was to pgsteer's own message. Consumes the frame.
     */
    ByteBuf onBackendFrame(Frame frame, BackendConnection connection) {
        byte type = frame.type();
        if (type == CommandComplete.TYPE && CatalogChange.in(frame.body())) {
            known.catalogChanged();
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
            known.parsed(head);
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
            return head.action() == Expectation.Action.UNKNOWN_NAME ? renameInError(frame, StatementRelay.NOWHERE, head.clientName())
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

    private static ByteBuf commandComplete(String tag) {
        ByteBuf out = Unpooled.buffer(6 + tag.length());
        new CommandComplete(tag).encode(out);
        return out;
    }
}
