package dev.pgsteer.config.store;

import dev.pgsteer.config.BucketMap;
import dev.pgsteer.config.BucketMaps;
import dev.pgsteer.config.ProxyConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bucket maps in the metadata store, shared by every instance: {@code <schema>.buckets} and its
 * version row {@code <schema>.shard_map_version} (migration V3). Each change is one transaction that
 * takes the version row, checks the maps it replaces are still those the caller saw, writes the new
 * rows at version + 1 and notifies; every instance's {@link StoreFollower} then reloads the maps.
 * Made and closed by {@link PostgresMetadataStore}, on its pool.
 */
public final class PostgresBucketMapStore implements BucketMapStore {

    private static final Logger log = LoggerFactory.getLogger(PostgresBucketMapStore.class);

    @FunctionalInterface
    private interface Work<T> {
        T on(Connection connection) throws SQLException;
    }

    private final DataSource pool;
    private final StoreHealth health;
    private final ListenLoop.Connector listener;
    private final String where;
    private final BucketMapTable table;
    private final StoreSchema schema;
    private StoreFollower<BucketMaps> follower;
    private boolean closed;

    PostgresBucketMapStore(StoreSchema schema, DataSource pool, StoreHealth health, ListenLoop.Connector listener,
                           String where) {
        this.pool = pool;
        this.health = health;
        this.listener = listener;
        this.where = where;
        this.table = new BucketMapTable(schema);
        this.schema = schema;
    }

    @Override
    public BucketMaps seed(ProxyConfig config) {
        return transaction("add the configuration's bucket maps", connection -> {
            long version = table.lockVersion(connection);
            BucketMaps stored = table.load(connection);
            Map<String, Map<String, BucketMap>> missing = BucketMapSeed.missing(config, stored);
            if (missing.isEmpty()) {
                return stored;
            }
            long next = version + 1;
            int tables = 0;
            for (Map.Entry<String, Map<String, BucketMap>> db : missing.entrySet()) {
                for (Map.Entry<String, BucketMap> t : db.getValue().entrySet()) {
                    table.replace(connection, db.getKey(), t.getKey(), t.getValue(), next);
                    tables++;
                }
                table.announce(connection, db.getKey());
            }
            table.setVersion(connection, next);
            log.info("metadata store {}: added the bucket maps of {} table(s) of the configuration (shard map version {})",
                    where, tables, next);
            return table.load(connection);
        });
    }

    @Override
    public BucketMaps load() {
        return transaction("load the bucket maps", table::load);
    }

    @Override
    public BucketMaps change(String database, List<String> tables, BucketMap expected, BucketMap next) {
        return change(database, tables, expected, next, null);
    }

    @Override
    public BucketMaps change(String database, List<String> tables, BucketMap expected, BucketMap next, MoveClaim claim) {
        return transaction("change the bucket map of " + String.join(", ", tables), connection -> {
            long version = table.lockVersion(connection);
            if (claim != null) {
                // FOR SHARE: an adoption (an UPDATE of the move's owner) waits for this change, or this one sees it.
                try (PreparedStatement st = connection.prepareStatement("SELECT owner FROM " + schema.table("moves")
                        + " WHERE id = ? FOR SHARE")) {
                    st.setLong(1, claim.id());
                    try (ResultSet rs = st.executeQuery()) {
                        String owner = rs.next() ? rs.getString(1) : null;
                        if (!claim.owner().equals(owner)) {
                            throw new BucketMapConflictException("move " + claim.id() + " is owned by " + owner + " now, not by "
                                    + claim.owner() + ": the bucket map is not changed for it");
                        }
                    }
                }
            }
            BucketMaps stored = table.load(connection);
            for (String t : tables) {
                if (!expected.equals(stored.of(database).get(t))) {
                    throw new BucketMapConflictException("the bucket map of table " + t + " changed meanwhile (shard map version "
                            + version + "); look at SHOW BUCKETS and run the command again");
                }
            }
            for (String t : tables) {
                table.replace(connection, database, t, next, version + 1);
            }
            table.setVersion(connection, version + 1);
            table.announce(connection, database);
            return table.load(connection);
        });
    }

    @Override
    public synchronized void follow(Consumer<BucketMaps> onChange) {
        Objects.requireNonNull(onChange, "onChange");
        if (closed) {
            throw new IllegalStateException("the metadata store " + where + " is closed");
        }
        if (follower == null) {
            follower = new StoreFollower<>("bucket maps", "pgsteer-bucket-maps-listener", listener, c -> {
                table.listen(c);
                return null;
            // No settling: a move's cutover holds writes until every instance routes by the map it flipped.
            }, table::load, maps -> "shard map version " + maps.version(), health, where, BucketMaps.NONE, false);
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

    @Override
    public boolean durable() {
        return true;
    }

    /** Stops the listener; the pool is the metadata store's to close. */
    void close() {
        StoreFollower<BucketMaps> stopping;
        synchronized (this) {
            closed = true;
            stopping = follower;
        }
        if (stopping != null) {
            stopping.stop();
        }
    }

    /** {@code work} in one transaction on a pooled connection: committed when it returns, rolled back when it throws. */
    private <T> T transaction(String what, Work<T> work) {
        try (Connection connection = pool.getConnection()) {
            try {
                T result = work.on(connection);
                connection.commit();
                health.confirmed();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // The connection is broken; the pool discards it and the server ends the transaction.
                }
                throw e;
            }
        } catch (SQLException e) {
            throw health.failure(what, e);
        }
    }
}
