package dev.pgsteer.config.store;

/**
 * A bucket map change made for move {@code id} by the instance {@code owner}: the store makes it only
 * while that instance still owns the move, in the change's own transaction. An instance paused past its
 * lease between its last look at the move and its flip must not flip a move another instance adopted
 * meanwhile (and took back to catching up, its fence dropped, writes going to the source again).
 */
public record MoveClaim(long id, String owner) {
}
