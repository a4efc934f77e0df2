package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.message.BackendKeyData;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.proxy.backend.BackendConnection;
import java.util.Map;

/**
 * What a client hears once its login is accepted, as from PostgreSQL: a ParameterStatus for each
 * reported parameter, BackendKeyData (the session's own key, which pgsteer's cancel registry knows),
 * and ReadyForQuery, idle. Written, not flushed: the caller flushes once. One greeting for every
 * session: a pooled relay, a sharded one (the default shard's parameters) and the admin console.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP">Start-up</a>
 */
public final class SessionGreeting {
    private SessionGreeting() {
    }

    /** The parameters as {@code connection} reported them at login, with the values it has now. */
    public static void send(ClientSession session, BackendConnection connection) {
        // Backends report names in their own case (DateStyle); the connection's maps hold them lower-case.
        connection.loginParameters().keySet().forEach(name ->
                session.send(new ParameterStatus(ReportedParameters.canonical(name), connection.currentSettings().get(name))));
        keyAndReady(session);
    }

    /** {@code parameters}: names as the client is to see them, to values, in the order to send them. */
    public static void send(ClientSession session, Map<String, String> parameters) {
        parameters.forEach((name, value) -> session.send(new ParameterStatus(name, value)));
        keyAndReady(session);
    }

    private static void keyAndReady(ClientSession session) {
        session.send(new BackendKeyData(session.processId(), session.secretKey()));
        session.send(ReadyForQuery.IDLE);
    }
}
