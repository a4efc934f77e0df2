package dev.pgsteer.proxy.admin;

import dev.pgsteer.protocol.message.ErrorResponse;

/** A command that ran and failed for a reason the user can act on: its ErrorResponse goes to the client as it is. */
final class CommandError extends RuntimeException {
    private final transient ErrorResponse error;

    CommandError(ErrorResponse error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    ErrorResponse error() {
        return error;
    }
}
