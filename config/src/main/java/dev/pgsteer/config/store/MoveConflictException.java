package dev.pgsteer.config.store;

/** A move of a table group that has an unfinished move already. */
public final class MoveConflictException extends RuntimeException {
    public MoveConflictException(String message) {
        super(message);
    }
}
