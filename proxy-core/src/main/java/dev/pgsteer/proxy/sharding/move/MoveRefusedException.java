package dev.pgsteer.proxy.sharding.move;

/** A move that cannot go on, with what to do about it: its message is the move's error in SHOW MOVES. */
final class MoveRefusedException extends RuntimeException {
    MoveRefusedException(String message) {
        super(message);
    }
}
