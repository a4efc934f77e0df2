package dev.pgsteer.proxy.sharding.move;

import java.time.Duration;

/**
 * The bounds of a move's cutover. {@code ack}: how long every live instance has to hold writes (and
 * to route by the flipped map before writes are released); {@code lock}: how long the fence may wait
 * for the source's open writers (new writes to the group's tables on the source queue behind it
 * meanwhile); {@code barrier}: for the target to apply the source's WAL up to the barrier;
 * {@code writeWait}: how long a held write waits before its client gets 55P03; {@code attempts}:
 * cutover attempts before the move fails; {@code poll}: how often progress is read.
 */
public record MoveTimings(Duration ack, Duration lock, Duration barrier, Duration writeWait, int attempts, Duration poll,
                          long catchUpBytes, int deleteBatch) {

    public static final MoveTimings DEFAULT = new MoveTimings(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10), 5, Duration.ofMillis(200), 1 << 20, 1000);
}
