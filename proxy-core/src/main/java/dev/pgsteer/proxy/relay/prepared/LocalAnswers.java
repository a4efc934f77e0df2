package dev.pgsteer.proxy.relay.prepared;

import static dev.pgsteer.protocol.message.MessageType.FrontendBytes.QUERY;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.proxy.backend.BackendTarget;
import java.util.Map;

/**
 * What pgsteer answers itself, for a session that holds no connection: a client that prepares
 * synchronously (PQprepare) must not wait for a connection only to be told what pgsteer knows.
 */
final class LocalAnswers {
    private final StatementRegistry registry;
    /** The session's statements: client's name to backend name (shared with {@link StatementRelay}). */
    private final Map<String, String> statements;
    private final KnownParses known;

    LocalAnswers(StatementRegistry registry, Map<String, String> statements, KnownParses known) {
        this.registry = registry;
        this.statements = statements;
        this.known = known;
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
    LocalAnswer answer(Frame frame, BackendTarget backend) {
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
                if (!known.knownValid(backend, backendName)) {
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
            case QUERY -> {
                String deallocated = DeallocateCommand.ofSessionStatement(frame, statements);
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
}
