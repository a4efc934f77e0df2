package dev.pgsteer.config.store;

import dev.pgsteer.config.AddedShard;
import dev.pgsteer.config.AddedShards;
import java.util.function.Consumer;

/**
 * Where shards added at run time ({@code ADD SHARD}) are kept so that every instance serves them and a
 * restart keeps them: the metadata store's {@code shards} table ({@link PostgresShardStore}). There is
 * no in-memory kind on purpose: a shard added to one instance only would be lost at its restart and
 * unseen by the others, which would then route the bucket moved to it elsewhere. Calls block (JDBC).
 */
public interface ShardStore {

    /** The shards added so far, at the list's version. */
    AddedShards load();

    /**
     * Adds {@code shard} at a new version and tells every instance; throws {@link ShardExistsException}
     * when its database has a shard of that name already.
     */
    AddedShards add(AddedShard shard);

    /** Calls {@code onChange} with the whole list whenever any instance added a shard, on the store's own thread. */
    void follow(Consumer<AddedShards> onChange);

    /** For humans: the store's address. */
    String describe();
}
