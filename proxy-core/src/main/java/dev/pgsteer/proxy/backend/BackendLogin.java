package dev.pgsteer.proxy.backend;

import dev.pgsteer.protocol.auth.Md5Password;
import dev.pgsteer.protocol.auth.ScramClientExchange;
import dev.pgsteer.protocol.message.AuthenticationRequest;
import dev.pgsteer.protocol.message.BackendKeyData;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.PasswordMessage;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.StartupPacket;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.util.concurrent.Promise;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * pgsteer logging in to a backend as a client would: StartupMessage, then whichever of trust,
 * cleartext, MD5 or SCRAM-SHA-256 the server asks for, then its parameters and key, until the first
 * ReadyForQuery.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP">Start-up</a>
 */
final class BackendLogin {
    private static final String SCRAM = "SCRAM-SHA-256";

    private final BackendConnection connection;
    private final Promise<BackendConnection> ready;
    private ScramClientExchange scram;

    BackendLogin(BackendConnection connection, Promise<BackendConnection> ready) {
        this.connection = connection;
        this.ready = ready;
    }

    void start() {
        BackendTarget target = connection.target();
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", target.user());
        parameters.put("database", target.database());
        connection.channel().writeAndFlush(new StartupPacket.StartupMessage(StartupPacket.PROTOCOL_3_0, parameters));
    }

    void onFrame(Frame frame) {
        try {
            switch (frame.type()) {
                case AuthenticationRequest.TYPE -> onAuthentication(AuthenticationRequest.decode(frame.body()));
                case ParameterStatus.TYPE -> connection.loginParameter(ParameterStatus.decode(frame.body()));
                case BackendKeyData.TYPE -> connection.loginKeyData(BackendKeyData.decode(frame.body()));
                case ReadyForQuery.TYPE -> {
                    connection.loginDone();
                    ready.trySuccess(connection);
                }
                case ErrorResponse.ERROR -> {
                    ErrorResponse refusal = ErrorResponse.decode(ErrorResponse.ERROR, frame.body());
                    // A database missing on the backend is the client's answer as PostgreSQL gives it
                    // (3D000); any other refusal is pgsteer's own login going wrong.
                    fail(refusal.sqlState() != null && refusal.sqlState().startsWith("3D") ? refusal
                            : ProxyErrors.backendLoginFailed(ErrorResponse.Severity.ERROR, connection.target().name(), refusal));
                }
                default -> {
                    // NoticeResponse, NegotiateProtocolVersion: nothing to act on at login.
                }
            }
        } catch (RuntimeException e) {
            fail(ProxyErrors.backendUnavailable(ErrorResponse.Severity.ERROR, connection.target().name(), "login failed: " + e.getMessage()));
        } finally {
            frame.release();
        }
    }

    private void onAuthentication(AuthenticationRequest request) {
        BackendTarget target = connection.target();
        switch (request.code()) {
            case AuthenticationRequest.OK -> {
            }
            case AuthenticationRequest.CLEARTEXT_PASSWORD -> send(PasswordMessage.cleartext(password()));
            case AuthenticationRequest.MD5_PASSWORD ->
                    send(PasswordMessage.cleartext(Md5Password.response(target.user(), password(), request.data())));
            case AuthenticationRequest.SASL -> {
                if (!request.saslMechanisms().contains(SCRAM)) {
                    throw new IllegalStateException("the server offers only " + request.saslMechanisms());
                }
                scram = new ScramClientExchange(password());
                send(PasswordMessage.saslInitialResponse(SCRAM, scram.clientFirst()));
            }
            case AuthenticationRequest.SASL_CONTINUE -> send(PasswordMessage.saslResponse(scram.clientFinal(request.data())));
            case AuthenticationRequest.SASL_FINAL -> scram.verifyServerFinal(request.data());
            default -> throw new IllegalStateException("the server asks for an authentication method pgsteer does not speak (code "
                    + request.code() + ")");
        }
    }

    private String password() {
        String password = connection.target().password();
        if (password == null) {
            throw new IllegalStateException("the server asks for a password and the backend's url has none");
        }
        return password;
    }

    private void send(PasswordMessage message) {
        connection.channel().writeAndFlush(message);
    }

    private void fail(ErrorResponse error) {
        if (ready.tryFailure(new BackendUnavailableException(error))) {
            connection.close();
        }
    }

    void onClosed() {
        ready.tryFailure(new BackendUnavailableException(ProxyErrors.backendUnavailable(ErrorResponse.Severity.ERROR,
                connection.target().name(), "the server closed the connection during login")));
    }
}
