package dev.pgsteer.config.store;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.ProxyConfig;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where the bucket → shard maps of hash-sharded tables live, versioned: the file's maps in memory
 * ({@link InMemoryBucketMapStore}), or the metadata store's {@code buckets} table that every instance
 * follows ({@link PostgresBucketMapStore}). Calls block (JDBC): never make them on an event loop.
 */
public interface BucketMapStore {

    /**
     * Adds the maps of {@code config}'s hash-sharded tables that the store lacks (see
     * {@link BucketMapSeed}), and returns the maps now stored. Tables the store has keep their maps.
     */
    BucketMaps seed(ProxyConfig config);

    /** The maps as the store holds them now. */
    BucketMaps load();

    /**
     * Gives {@code tables} of {@code database} (a co-located group) the map {@code next}, at a new
     * version, provided each of them has {@code expected} now: a change made meanwhile by another
     * instance makes this one fail with {@link BucketMapConflictException} rather than undo it.
     */
    BucketMaps change(String database, List<String> tables, BucketMap expected, BucketMap next);

    /**
     * As {@link #change(String, List, BucketMap, BucketMap)}, made only while {@code claim}'s instance
     * owns its move (else {@link BucketMapConflictException}). A store without moves of several
     * instances (in memory, one process) has nothing to check.
     */
    default BucketMaps change(String database, List<String> tables, BucketMap expected, BucketMap next, MoveClaim claim) {
        return change(database, tables, expected, next);
    }

    /**
     * Calls {@code onChange} with the whole new maps whenever any instance changed them (and once the
     * store is reachable again after an outage), on the store's own thread.
     */
    void follow(Consumer<BucketMaps> onChange);

    /** For humans: {@code yaml (this instance)} or the store's address. */
    String describe();

    /** Whether a change made here outlives the process and reaches the other instances. */
    boolean durable();
}
