package dev.pgsteer.proxy.client;

import dev.pgsteer.config.AuthMethod;
import dev.pgsteer.protocol.auth.AuthenticationFailedException;
import dev.pgsteer.protocol.auth.Md5Password;
import dev.pgsteer.protocol.auth.ScramServerExchange;
import dev.pgsteer.protocol.message.AuthenticationRequest;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.PasswordMessage;
import dev.pgsteer.proxy.errors.ProxyErrors;
import java.security.SecureRandom;
import java.util.List;

/**
 * Checks one client's password with the configured method: SCRAM-SHA-256 (the default), MD5, or
 * trust. Every failure, unknown user included, ends in the same FATAL 28P01 as PostgreSQL's.
 *
 * @see <a href="https://www.postgresql.org/docs/current/sasl-authentication.html">SASL authentication</a>
 */
final class ClientAuthenticator {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SCRAM = "SCRAM-SHA-256";

    /** What to do after a step: send a request and wait, or finish with success or an error. */
    sealed interface Step {
        record Send(AuthenticationRequest request) implements Step {
        }

        record Succeeded(AuthenticationRequest lastMessage) implements Step {
        }

        record Failed(ErrorResponse error) implements Step {
        }
    }

    private final AuthMethod method;
    private final String user;
    private final UserDirectory.Secret secret;
    private final UserDirectory.Secret decoy;
    private ScramServerExchange scram;
    private byte[] md5Salt;

    ClientAuthenticator(AuthMethod method, String user, UserDirectory users) {
        this.method = method;
        this.user = user;
        this.secret = users.secret(user).orElse(null);
        this.decoy = users.decoy();
    }

    Step begin() {
        return switch (method) {
            case TRUST -> new Step.Succeeded(null);
            case MD5 -> {
                md5Salt = new byte[4];
                RANDOM.nextBytes(md5Salt);
                yield new Step.Send(AuthenticationRequest.md5Password(md5Salt));
            }
            case SCRAM_SHA_256 -> new Step.Send(AuthenticationRequest.sasl(List.of(SCRAM)));
        };
    }

    Step onPassword(PasswordMessage message) {
        try {
            return switch (method) {
                case TRUST -> new Step.Succeeded(null);
                case MD5 -> checkMd5(message.password());
                case SCRAM_SHA_256 -> scramStep(message);
            };
        } catch (AuthenticationFailedException | IllegalArgumentException e) {
            return failed();
        }
    }

    private Step checkMd5(String response) {
        if (secret == null || secret.md5OrPassword() == null) {
            return failed();
        }
        return Md5Password.check(user, secret.md5OrPassword(), md5Salt, response) ? new Step.Succeeded(null) : failed();
    }

    private Step scramStep(PasswordMessage message) {
        if (scram == null) {
            PasswordMessage.SaslInitial initial = message.saslInitial();
            if (!SCRAM.equals(initial.mechanism())) {
                return failed();
            }
            // An unknown user goes through the whole exchange against a decoy, as PostgreSQL does.
            boolean known = secret != null && secret.scram() != null;
            scram = new ScramServerExchange(known ? secret.scram() : decoy.scram());
            byte[] serverFirst = scram.serverFirst(initial.data());
            return new Step.Send(AuthenticationRequest.saslContinue(serverFirst));
        }
        if (secret == null || secret.scram() == null) {
            return failed();
        }
        return new Step.Succeeded(AuthenticationRequest.saslFinal(scram.serverFinal(message.saslData())));
    }

    private Step failed() {
        return new Step.Failed(ProxyErrors.passwordFailed(user));
    }
}
