package dev.pgsteer.proxy.errors;

import dev.pgsteer.protocol.message.ErrorResponse;

/** The backend answered one of pgsteer's own statements with an error. */
public final class BackendErrorException extends RuntimeException {
    private final transient ErrorResponse error;

    public BackendErrorException(ErrorResponse error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public ErrorResponse error() {
        return error;
    }
}
