package dev.pgsteer.config.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The key directory of {@code function: directory} tables: for each database and directory group,
 * which shard holds a key (its canonical text, as routing normalizes it). Kept in the metadata store
 * ({@link PostgresKeyDirectory}) or, without one, in memory ({@link InMemoryKeyDirectory}). Calls
 * block (JDBC): never make them on an event loop.
 */
public interface KeyDirectoryStore {

    /** One key's placement; {@code shard} null when the key is not (or no longer) assigned. */
    record KeyAssignment(String database, String group, String key, String shard, long version) {
    }

    /** The shard of {@code key}, empty when the directory does not hold it. */
    Optional<String> lookup(String database, String group, String key);

    /**
     * Every assigned key of the group, key to shard, when there are at most {@code limit}; empty when
     * there are more (the caller then looks keys up one by one).
     */
    Optional<Map<String, String>> loadGroup(String database, String group, int limit);

    /** Assigns each key of {@code shardOfKey} to its shard, all at one new version; returns the earlier shards (null: none). */
    Map<String, String> assign(String database, String group, Map<String, String> shardOfKey);

    /** Removes a key's assignment; false when it had none. */
    boolean unassign(String database, String group, String key);

    /** The assigned keys of a group (all groups of the database when {@code group} is null), at most {@code limit}, by key. */
    List<KeyAssignment> list(String database, String group, int limit);

    /** The directory's version now: every change raises it (one change of many keys, once). */
    long version();

    /**
     * Calls {@code onChanges} with every change any instance makes from now on (each key with its
     * shard now, null when unassigned), in version order, on the store's own thread. After an outage
     * the changes made meanwhile are delivered too.
     */
    void follow(Consumer<List<KeyAssignment>> onChanges);
}
