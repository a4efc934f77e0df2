package dev.pgsteer.protocol.auth;

/**
 * An authentication exchange could not succeed: wrong proof, wrong password, malformed or
 * out-of-protocol message, or a server that failed to prove it knows the secret.
 *
 * <p>The message describes the protocol problem only (it never contains a password, key or
 * proof), so it is safe to log. What a client finally sees, e.g. {@code password authentication
 * failed for user "x"}, is built by the caller, as PostgreSQL does not tell a client which step
 * failed.
 */
public final class AuthenticationFailedException extends RuntimeException {

    public AuthenticationFailedException(String message) {
        super(message);
    }

    public AuthenticationFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
