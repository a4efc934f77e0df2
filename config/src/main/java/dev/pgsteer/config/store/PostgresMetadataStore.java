package dev.pgsteer.config.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant directory in a PostgreSQL database shared by every proxy instance: table
 * {@code <schema>.tenants}, its version row {@code <schema>.directory_version},
 * {@code <schema>.nodes} and {@code <schema>.decisions} for two-phase commits ({@link DecisionStore}), and
 * {@code <schema>.schema_version} for the {@link Migrations}. Changes go through a small Hikari pool,
 * each in one transaction that raises the directory's version and notifies the other instances,
 * whose {@link StoreFollower} reloads the directory. Usage:
 *
 * <pre>{@code
 * try (MetadataStore store = PostgresMetadataStore.open(config.metadataStore(), TenantDirectory.of(config.tenants()))) {
 *     TenantDirectory directory = store.load();
 *     store.follow(newDirectory -> ...);   // on the listener thread
 * }
 * }</pre>
 *
 * Control plane only: every call blocks on JDBC.
 */
public final class PostgresMetadataStore implements MetadataStore {

    static final String POOL_NAME = "pgsteer-metadata";
    static final int POOL_SIZE = 4;
    /** How long a call waits for a pooled connection: a down store answers "unreachable" this fast. */
    static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(3);
    /** To connect, to log in, and for any answer (pgjdbc's socket timeout). */
    static final Duration IO_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(PostgresMetadataStore.class);

    private final MetadataStoreConfig config;
    private final String where;
    private final HikariDataSource pool;
    private final TenantTable table;
    private final StoreHealth health;
    private final DecisionStore decisions;
    private final PostgresKeyDirectory keys;
    private final MoveStore moves;
    private volatile TenantDirectory last;
    private StoreFollower<TenantDirectory> follower;
    private boolean closed;
    /** Made on first use: a proxy without hash-sharded tables never listens for bucket maps. */
    private PostgresBucketMapStore bucketMaps;
    /** Made on first use, as the bucket maps. */
    private PostgresShardStore shards;

    private PostgresMetadataStore(MetadataStoreConfig config, HikariDataSource pool) {
        this.config = config;
        this.where = describe(config);
        this.pool = pool;
        StoreSchema schema = new StoreSchema(config.schema());
        this.table = new TenantTable(schema);
        this.health = new StoreHealth(where);
        StoreTransactions transactions = new StoreTransactions(pool, health);
        NodeLeases leases = new NodeLeases(schema, transactions);
        this.decisions = new DecisionStore(leases, new DecisionTable(schema, transactions, leases));
        this.moves = new MoveStore(schema, transactions, () -> BackendJdbc.connect(config.url(), null, IO_TIMEOUT,
                "pgsteer moves listener"), health, where);
        this.keys = new PostgresKeyDirectory(pool, health, where, schema,
                () -> BackendJdbc.connect(config.url(), null, IO_TIMEOUT, "pgsteer key directory listener"));
    }

    /**
     * Connects, brings the schema up to date, adds the boot tenants (the YAML's) that the store does
     * not have yet, and loads the directory. Throws {@link MetadataStoreException} when the store
     * cannot be reached or migrated: a proxy told to share its directory should not start alone.
     */
    public static PostgresMetadataStore open(MetadataStoreConfig config, TenantDirectory boot) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(boot, "boot");
        StoreSchema schema = new StoreSchema(config.schema());
        PostgresMetadataStore store = new PostgresMetadataStore(config, new HikariDataSource(poolConfig(config.url())));
        try {
            store.migrate(schema);
            store.seed(boot);
            store.load();
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static HikariConfig poolConfig(BackendUrl url) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(POOL_NAME);
        hikari.setJdbcUrl(BackendJdbc.url(url, null));
        Properties props = BackendJdbc.properties(url, IO_TIMEOUT, "pgsteer metadata store");
        // The login goes in Hikari's own fields: its configuration dump masks the password there.
        Optional.ofNullable((String) props.remove("user")).ifPresent(hikari::setUsername);
        Optional.ofNullable((String) props.remove("password")).ifPresent(hikari::setPassword);
        hikari.setDataSourceProperties(props);
        hikari.setMaximumPoolSize(POOL_SIZE);
        hikari.setMinimumIdle(1);
        hikari.setConnectionTimeout(ACQUIRE_TIMEOUT.toMillis());
        hikari.setValidationTimeout(Duration.ofSeconds(1).toMillis());
        hikari.setIdleTimeout(Duration.ofMinutes(10).toMillis());
        hikari.setMaxLifetime(Duration.ofMinutes(30).toMillis());
        hikari.setAutoCommit(false);
        // Do not fail inside the constructor: open() reports an unreachable store in its own words.
        hikari.setInitializationFailTimeout(-1);
        return hikari;
    }

    private static String describe(MetadataStoreConfig config) {
        return BackendJdbc.describe(config.url()) + " (schema " + config.schema() + ")";
    }

    private void migrate(StoreSchema schema) {
        Migrations migrations = new Migrations(schema);
        int known = Migrations.FILES.size();
        transaction("prepare schema " + schema.name(), connection -> {
            List<Migrations.Migration> applied = migrations.apply(connection);
            if (!applied.isEmpty()) {
                log.info("metadata store {}: applied {}", where, applied.stream()
                        .map(m -> "V" + m.version() + " (" + m.description() + ")").collect(Collectors.joining(", ")));
            }
            int current = migrations.currentVersion(connection);
            if (current > known) {
                log.warn("metadata store {}: schema version {} is newer than this pgsteer knows ({}); "
                        + "carrying on, as newer versions only add to it", where, current, known);
            }
            return null;
        });
    }

    /** The boot tenants the store lacks, added at one new version; those it has are the store's to keep. */
    private void seed(TenantDirectory boot) {
        if (boot.tenants().isEmpty()) {
            return;
        }
        int added = transaction("add the configuration's tenants", connection -> {
            long version = table.nextVersion(connection);
            int n = table.insertMissing(connection, boot.tenants().values(), version);
            if (n == 0) {
                connection.rollback();   // nothing new: leave the version where it was
            } else {
                table.announce(connection, "");
            }
            return n;
        });
        if (added > 0) {
            log.info("metadata store {}: added {} tenant(s) of the configuration it did not have", where, added);
        }
    }

    @Override
    public TenantDirectory load() {
        TenantDirectory loaded = transaction("load the tenant directory", table::load);
        last = loaded;
        return loaded;
    }

    @Override
    public TenantConfig create(TenantConfig tenant) {
        return transaction("create tenant " + tenant.id(), connection -> {
            long version = table.nextVersion(connection);
            if (!table.insert(connection, tenant, version)) {
                connection.rollback();
                throw new TenantExistsException(tenant.id());
            }
            table.announce(connection, tenant.id());
            return tenant.withVersion(version);
        });
    }

    @Override
    public TenantConfig update(TenantConfig tenant) {
        return transaction("update tenant " + tenant.id(), connection -> {
            long version = table.nextVersion(connection);
            if (!table.update(connection, tenant, version)) {
                connection.rollback();
                throw new IllegalArgumentException("no tenant " + tenant.id());
            }
            table.announce(connection, tenant.id());
            return tenant.withVersion(version);
        });
    }

    @Override
    public boolean delete(String id) {
        return transaction("delete tenant " + id, connection -> {
            table.nextVersion(connection);
            if (!table.delete(connection, id)) {
                connection.rollback();
                return false;
            }
            table.announce(connection, id);
            return true;
        });
    }

    @FunctionalInterface
    private interface Work<T> {
        T on(Connection connection) throws SQLException;
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
                rollback(connection);
                throw e;
            }
        } catch (SQLException e) {
            throw health.failure(what, e);
        }
    }

    private static void rollback(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; the pool discards it and the server ends the transaction.
        }
    }

    @Override
    public synchronized void follow(Consumer<TenantDirectory> onChange) {
        Objects.requireNonNull(onChange, "onChange");
        if (closed) {
            throw new IllegalStateException("the metadata store " + where + " is closed");
        }
        if (follower == null) {
            TenantDirectory known = last;
            follower = new StoreFollower<>("tenant directory", "pgsteer-metadata-listener",
                    () -> BackendJdbc.connect(config.url(), null, IO_TIMEOUT, "pgsteer metadata listener"),
                    c -> {
                        table.listen(c);
                        return null;
                    }, table::load,
                    directory -> "version " + directory.version() + ", " + directory.tenants().size() + " tenants",
                    health, where, known);
            follower.add(onChange);
            follower.start();
        } else {
            follower.add(onChange);
        }
    }

    @Override
    public synchronized Optional<BucketMapStore> bucketMaps() {
        if (closed) {
            throw new IllegalStateException("the metadata store " + where + " is closed");
        }
        if (bucketMaps == null) {
            bucketMaps = new PostgresBucketMapStore(new StoreSchema(config.schema()), pool, health,
                    () -> BackendJdbc.connect(config.url(), null, IO_TIMEOUT, "pgsteer bucket map listener"), where);
        }
        return Optional.of(bucketMaps);
    }

    @Override
    public synchronized Optional<ShardStore> shards() {
        if (closed) {
            throw new IllegalStateException("the metadata store " + where + " is closed");
        }
        if (shards == null) {
            shards = new PostgresShardStore(new StoreSchema(config.schema()), pool, health,
                    () -> BackendJdbc.connect(config.url(), null, IO_TIMEOUT, "pgsteer shard list listener"), where);
        }
        return Optional.of(shards);
    }

    @Override
    public Optional<MoveStore> moves() {
        return Optional.of(moves);
    }

    @Override
    public boolean reachable() {
        return health.reachable();
    }

    @Override
    public Optional<Duration> lag() {
        return Optional.of(health.lag());
    }

    @Override
    public String describe() {
        return where;
    }

    @Override
    public KeyDirectoryStore keys() {
        return keys;
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public Optional<DecisionStore> decisionStore() {
        return Optional.of(decisions);
    }

    @Override
    public void close() {
        StoreFollower<TenantDirectory> stopping;
        PostgresBucketMapStore maps;
        PostgresShardStore shardList;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = follower;
            maps = bucketMaps;
            shardList = shards;
        }
        if (stopping != null) {
            stopping.stop();
        }
        if (maps != null) {
            maps.close();
        }
        if (shardList != null) {
            shardList.close();
        }
        moves.close();
        keys.stop();
        pool.close();
    }

    @Override
    public String toString() {
        return "PostgresMetadataStore[" + where + "]";
    }
}
