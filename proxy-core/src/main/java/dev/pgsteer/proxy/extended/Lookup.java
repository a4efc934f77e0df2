package dev.pgsteer.proxy.extended;

import dev.pgsteer.protocol.message.ErrorResponse;

/** What a name, or a message, came to: the thing it names, or the error the client gets instead. */
public sealed interface Lookup<T> {

    record Found<T>(T value) implements Lookup<T> {
    }

    record Refused<T>(ErrorResponse error) implements Lookup<T> {
    }

    static <T> Lookup<T> found(T value) {
        return new Found<>(value);
    }

    static <T> Lookup<T> refused(ErrorResponse error) {
        return new Refused<>(error);
    }
}
