package dev.pgsteer.proxy.relay;

import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.ConnectionStateWatch;
import dev.pgsteer.proxy.client.ReportedParameters;
import dev.pgsteer.proxy.relay.prepared.StatementRelay;

/**
 * Reads what the session's backend tells in passing, before the frame goes on to the client: a
 * ReadyForQuery and its transaction status, a setting reported (ParameterStatus), a statement whose
 * tag deallocates the session's statements or pins it to its connection, a FATAL error. Only
 * ReadyForQuery and ParameterStatus are decoded; other frames are told from their type byte.
 */
final class ReplyInspector {

    /** What the relay does at the end of a request. */
    interface Events {
        /** {@code readyForQuery} ended a request with {@code status}; the relay takes the frame over. */
        void readyForQuery(BackendConnection connection, Frame readyForQuery, TransactionStatus status);
    }

    private final ClientSession session;
    private final ConnectionStateWatch watch;
    private final StatementRelay statements;
    private final Pinning pinning;
    private final Events events;
    private boolean backendSentFatal;

    ReplyInspector(ClientSession session, ConnectionStateWatch watch, StatementRelay statements, Pinning pinning,
                   Events events) {
        this.session = session;
        this.watch = watch;
        this.statements = statements;
        this.pinning = pinning;
        this.events = events;
    }

    /** Returns true when the frame went to {@link Events#readyForQuery}; otherwise it is the caller's to relay. */
    boolean inspect(BackendConnection connection, Frame frame) {
        switch (frame.type()) {
            case ReadyForQuery.TYPE -> {
                events.readyForQuery(connection, frame, ReadyForQuery.decode(frame.body()).status());
                return true;
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
                pinning.pinnedBy(effect.pinReason());
            }
            case ErrorResponse.ERROR -> {
                if (ErrorResponse.decode(ErrorResponse.ERROR, frame.body()).isFatal()) {
                    backendSentFatal = true;
                }
            }
            default -> {
            }
        }
        return false;
    }

    /** The backend said FATAL: when its socket closes, the client has been told why. */
    boolean backendSentFatal() {
        return backendSentFatal;
    }
}
