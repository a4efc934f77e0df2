package dev.pgsteer.proxy.sharding.shards;

import dev.pgsteer.config.AddedShard;
import dev.pgsteer.config.AddedShards;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.store.ShardStore;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The shards added at run time that this instance serves, and where they are kept: the metadata
 * store's list, loaded at start and followed (LISTEN/NOTIFY), merged over the file's databases
 * ({@link #over}). A new list is put in force by the server's {@link Applier}, as a reload is: each
 * database that gained a shard gets a new router over its shards and a pool for the new one. An
 * added shard holds no bucket, so nothing routes to it until a bucket is put there.
 */
public final class ShardList {

    /** Puts a list in force on this instance; completes once the databases route over it. */
    @FunctionalInterface
    public interface Applier {
        CompletableFuture<?> apply(AddedShards shards);
    }

    private final Optional<ShardStore> store;
    private volatile AddedShards current = AddedShards.NONE;
    private volatile Applier applier = shards -> CompletableFuture.completedFuture(null);
    private boolean following;

    public ShardList(Optional<ShardStore> store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Reads the store's list (at start, before the databases are made from {@link #over}). */
    public void load() {
        store.ifPresent(s -> take(s.load()));
    }

    /** {@code config} with the added shards in its databases; see {@link AddedShards#applyTo}. */
    public ProxyConfig over(ProxyConfig config) {
        return current.applyTo(config);
    }

    public AddedShards current() {
        return current;
    }

    /** Where ADD SHARD writes; empty without a metadata store. */
    public Optional<ShardStore> store() {
        return store;
    }

    /** From now on a list any instance changes is put in force here by {@code applier}. */
    public synchronized void follow(Applier applier) {
        this.applier = Objects.requireNonNull(applier, "applier");
        if (!following && store.isPresent()) {
            following = true;
            store.get().follow(list -> {
                if (take(list)) {
                    this.applier.apply(list);
                }
            });
        }
    }

    /** Adds {@code shard} in the store and puts the list in force here; returns the list's new version. */
    AddedShards add(AddedShard shard) {
        AddedShards list = store.orElseThrow().add(shard);
        take(list);
        applier.apply(current).join();
        return list;
    }

    /** Takes {@code next} when it is not older than the list in force: the notification and this instance's own add race. */
    private synchronized boolean take(AddedShards next) {
        if (next.version() < current.version()) {
            return false;
        }
        current = next;
        return true;
    }
}
