package dev.pgsteer.config.store;

/**
 * One row of {@code <schema>.move_holds}: the write hold of attempt {@code attempt} of move
 * {@code moveId}. {@code released} with {@code version} 0: the attempt gave up, the source keeps the
 * bucket; above 0: the bucket is on the target from that shard map version on, and an instance lets
 * the held writes go once it routes by that version.
 */
public record MoveHold(long moveId, int attempt, boolean released, long version) {
}
