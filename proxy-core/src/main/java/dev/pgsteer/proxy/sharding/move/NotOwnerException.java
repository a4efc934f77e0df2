package dev.pgsteer.proxy.sharding.move;

/** The move was taken over by another instance (this one's lease ended): this one leaves it alone. */
final class NotOwnerException extends RuntimeException {
    NotOwnerException(long id) {
        super("move " + id + " is no longer this instance's");
    }
}
