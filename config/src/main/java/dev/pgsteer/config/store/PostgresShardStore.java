package dev.pgsteer.config.store;

import dev.pgsteer.config.AddedShard;
import dev.pgsteer.config.AddedShards;
import java.util.Objects;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The shard list in the metadata store, shared by every instance: an ADD SHARD is one transaction that
 * takes the version row, inserts the shard at version + 1 and notifies; every instance's
 * {@link StoreFollower} reloads the list and merges it into its databases. Made and closed by
 * {@link PostgresMetadataStore}, on its pool.
 */
public final class PostgresShardStore implements ShardStore {

    private final StoreTransactions transactions;
    private final StoreHealth health;
    private final ListenLoop.Connector listener;
    private final String where;
    private final ShardTable table;
    private StoreFollower<AddedShards> follower;
    private boolean closed;

    PostgresShardStore(StoreSchema schema, DataSource pool, StoreHealth health, ListenLoop.Connector listener, String where) {
        this.transactions = new StoreTransactions(pool, health);
        this.health = health;
        this.listener = listener;
        this.where = where;
        this.table = new ShardTable(schema);
    }

    @Override
    public AddedShards load() {
        return transactions.run("load the shard list", table::load);
    }

    @Override
    public AddedShards add(AddedShard shard) {
        return transactions.run("add shard " + shard.name(), connection -> {
            long version = table.lockVersion(connection) + 1;
            if (!table.insert(connection, shard, version)) {
                throw new ShardExistsException("database " + shard.database() + " has a shard " + shard.name()
                        + " in the metadata store already");
            }
            table.setVersion(connection, version);
            table.announce(connection, shard.database());
            return table.load(connection);
        });
    }

    @Override
    public synchronized void follow(Consumer<AddedShards> onChange) {
        Objects.requireNonNull(onChange, "onChange");
        if (closed) {
            throw new IllegalStateException("the metadata store " + where + " is closed");
        }
        if (follower == null) {
            follower = new StoreFollower<>("shard list", "pgsteer-shard-list-listener", listener, c -> {
                table.listen(c);
                return null;
            }, table::load, shards -> "shard list version " + shards.version(), health, where, AddedShards.NONE);
            follower.add(onChange);
            follower.start();
        } else {
            follower.add(onChange);
        }
    }

    @Override
    public String describe() {
        return where;
    }

    void close() {
        StoreFollower<AddedShards> stopping;
        synchronized (this) {
            closed = true;
            stopping = follower;
        }
        if (stopping != null) {
            stopping.stop();
        }
    }
}
