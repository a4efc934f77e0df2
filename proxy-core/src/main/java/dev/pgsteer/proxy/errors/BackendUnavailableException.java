package dev.pgsteer.proxy.errors;

import dev.pgsteer.protocol.message.ErrorResponse;

/**
 * A pool could not give a connection: the backend cannot be reached, refused our login, or every
 * connection stayed busy past the acquire timeout. Carries the error the client should see.
 */
public final class BackendUnavailableException extends RuntimeException {
    private final transient ErrorResponse error;

    public BackendUnavailableException(ErrorResponse error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public ErrorResponse error() {
        return error;
    }
}
