package dev.pgsteer.config.store;

/** A bucket map change found the map other than it expected: another instance changed it first. */
public final class BucketMapConflictException extends RuntimeException {
    public BucketMapConflictException(String message) {
        super(message);
    }
}
