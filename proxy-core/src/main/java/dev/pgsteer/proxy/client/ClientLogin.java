package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.AuthenticationRequest;
import dev.pgsteer.protocol.message.NegotiateProtocolVersion;
import dev.pgsteer.protocol.message.PasswordMessage;
import dev.pgsteer.protocol.message.StartupPacket;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.Map;

/**
 * The start of a client connection, up to a successful password check: refuses SSL and GSS
 * encryption with 'N' (with {@code tls:} configured, {@code tls.ClientTls} takes SSLRequests first), negotiates the protocol version down to 3.0, reads who the client is and
 * runs the password exchange.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP">Start-up</a>
 */
final class ClientLogin {
    private static final byte[] REFUSE_ENCRYPTION = {'N'};

    private final ClientSession session;
    private final ClientServices context;
    private ClientAuthenticator authenticator;

    ClientLogin(ClientSession session, ClientServices context) {
        this.session = session;
        this.context = context;
    }

    /** Returns true when the client is authenticated and the session can go on to connect. */
    boolean onStartupPacket(StartupPacket packet) {
        switch (packet) {
            case StartupPacket.SslRequest ssl -> refuseEncryption();
            case StartupPacket.GssEncRequest gss -> refuseEncryption();
            case StartupPacket.CancelRequest cancel -> {
                context.cancels().cancel(cancel.processId(), cancel.secretKey());
                session.closed();
                session.channel().close();
            }
            case StartupPacket.StartupMessage startup -> {
                return onStartupMessage(startup);
            }
        }
        return false;
    }

    private void refuseEncryption() {
        session.channel().writeAndFlush(Unpooled.wrappedBuffer(REFUSE_ENCRYPTION));
    }

    private boolean onStartupMessage(StartupPacket.StartupMessage startup) {
        if (startup.majorVersion() != 3) {
            session.terminate(ProxyErrors.unsupportedProtocol(startup.majorVersion(), startup.minorVersion()));
            return false;
        }
        Map<String, String> parameters = startup.parameters();
        List<String> unknownOptions = parameters.keySet().stream().filter(name -> name.startsWith("_pq_.")).toList();
        if (startup.minorVersion() > 0 || !unknownOptions.isEmpty()) {
            session.send(new NegotiateProtocolVersion(0, unknownOptions));
        }
        String user = parameters.get("user");
        if (user == null || user.isEmpty()) {
            session.terminate(ProxyErrors.noUserName());
            return false;
        }
        if (parameters.containsKey("replication") && !"false".equalsIgnoreCase(parameters.get("replication"))
                && !"0".equals(parameters.get("replication")) && !"off".equalsIgnoreCase(parameters.get("replication"))) {
            session.terminate(ProxyErrors.fatal(SqlState.FEATURE_NOT_SUPPORTED,
                    "replication connections are not supported through pgsteer; connect to the backend directly"));
            return false;
        }
        String database = parameters.getOrDefault("database", user);
        session.identify(user, database.isEmpty() ? user : database);
        session.settings(SessionSettings.fromStartup(parameters));
        session.phase(Phase.AUTHENTICATING);
        authenticator = new ClientAuthenticator(context.config().auth(), user, context.users());
        return act(authenticator.begin());
    }

    /** A frame while authenticating: only password messages belong here. */
    boolean onFrame(Frame frame) {
        try {
            if (session.phase() != Phase.AUTHENTICATING || frame.type() != PasswordMessage.TYPE) {
                session.terminate(ProxyErrors.protocolViolation(session.phase() == Phase.STARTUP
                        ? "expected a startup packet, got message type '" + (char) frame.type() + "'"
                        : "expected password response, got message type '" + (char) frame.type() + "'"));
                return false;
            }
            return act(authenticator.onPassword(PasswordMessage.decode(frame.body())));
        } finally {
            frame.release();
        }
    }

    private boolean act(ClientAuthenticator.Step step) {
        switch (step) {
            case ClientAuthenticator.Step.Send send -> {
                session.channel().writeAndFlush(send.request());
                return false;
            }
            case ClientAuthenticator.Step.Failed failed -> {
                context.metrics().authFailed();
                ConnectionLog.loginFailed(session, failed.error());
                session.terminate(failed.error());
                return false;
            }
            case ClientAuthenticator.Step.Succeeded ok -> {
                if (ok.lastMessage() != null) {
                    session.send(ok.lastMessage());
                }
                session.send(AuthenticationRequest.ok());
                session.phase(Phase.CONNECTING);
                authenticator = null;   // its exchange is over; a session that lives for hours keeps none of it
                return true;
            }
        }
    }
}
