package dev.pgsteer.config.store;

import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the tenant directory lives: the YAML alone ({@link InMemoryMetadataStore}) or a PostgreSQL
 * database shared by every proxy instance ({@link PostgresMetadataStore}). Calls block (JDBC): never
 * make them on an event loop.
 */
public interface MetadataStore extends AutoCloseable {

    /** The whole directory as the store holds it now. */
    TenantDirectory load();

    /**
     * Adds a tenant; its version is assigned by the store. Throws {@link TenantExistsException} when
     * the id is taken.
     */
    TenantConfig create(TenantConfig tenant);

    /** Replaces an existing tenant (state, target, role); returns it with its new version. */
    TenantConfig update(TenantConfig tenant);

    /** Removes a tenant; false when there was none. */
    boolean delete(String id);

    /**
     * Calls {@code onChange} with the whole new directory whenever any instance changed it (and once
     * the store is reachable again after an outage). Called on the store's own thread.
     */
    void follow(Consumer<TenantDirectory> onChange);

    /**
     * The bucket maps of hash-sharded tables, when this store keeps them for every instance; empty
     * when it does not (the YAML in memory): each instance then keeps its own.
     */
    default Optional<BucketMapStore> bucketMaps() {
        return Optional.empty();
    }

    /**
     * The shards added at run time (ADD SHARD), when this store keeps them for every instance; empty
     * without a shared store, where ADD SHARD is refused.
     */
    default Optional<ShardStore> shards() {
        return Optional.empty();
    }

    /**
     * The online moves, kept for every instance; empty without a shared store (a move must outlive the
     * instance that runs it, and every instance must hold its writes).
     */
    default Optional<MoveStore> moves() {
        return Optional.empty();
    }

    /** Whether the last attempt to reach the store worked; an in-memory store always is. */
    boolean reachable();

    /** How long ago the directory was last confirmed current with the store (zero when in memory). */
    Optional<Duration> lag();

    /** For humans: {@code yaml} or {@code postgresql://host:port/db (schema pgsteer)}. */
    String describe();

    /** The key directory of {@code function: directory} tables, kept where the tenants are. */
    KeyDirectoryStore keys();

    /** Whether tenants created here outlive the process. */
    boolean durable();

    /**
     * Where two-phase-commit decisions are kept when the store is shared by several instances; empty
     * when it is not (the YAML's directory in memory): each instance then keeps a local decision log.
     */
    default java.util.Optional<DecisionStore> decisionStore() {
        return java.util.Optional.empty();
    }

    @Override
    void close();
}
