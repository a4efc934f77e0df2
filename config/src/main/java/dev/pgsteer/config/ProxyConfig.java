package dev.pgsteer.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole boot configuration, immutable. {@code source} says where it came from (a file path, or
 * {@code --backend} in quick mode) so that messages about it can point there. Maps keep the file's order.
 * {@code sourceLines} says on which line entries were written; it is not part of the configuration's
 * value: {@link #equals} ignores it, so a file that only moved lines around loads as an equal config.
 * {@code http} is where {@code /metrics} and {@code /health/*} are served; null when {@code http: off}.
 * {@code tenants} is the boot tenant directory; {@code metadataStore} the shared store that adds to
 * it (null: the YAML's tenants are the directory). {@code maxBackendConnections} caps the backend
 * connections of all pools together. {@code logging} is the log's format, level and slow-statement threshold.
 * {@code tls} is TLS for clients; null: clients are answered 'N' (no TLS) when they ask for it.
 * {@code stateDir} is the {@code state_dir:} folder for what pgsteer keeps on disk (the two-phase-commit
 * decision log, without a metadata store); null: the default the server chooses.
 */
public record ProxyConfig(String source, ListenAddress listen, AuthMethod auth, Duration authTimeout,
        int maxClientConnections, int maxPreparedStatements, Map<String, UserConfig> users, Map<String, BackendConfig> backends,
        Map<String, DatabaseConfig> databases, SourceLines sourceLines, ListenAddress http,
        Map<String, TenantConfig> tenants, MetadataStoreConfig metadataStore, int maxBackendConnections,
        LoggingConfig logging, TlsConfig tls, Path stateDir) {

    public static final AuthMethod DEFAULT_AUTH = AuthMethod.SCRAM_SHA_256;
    public static final Duration DEFAULT_AUTH_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CLIENT_CONNECTIONS = 1000;
    /** Named statements each backend connection keeps prepared before closing the least recently used. */
    public static final int DEFAULT_MAX_PREPARED_STATEMENTS = 500;
    public static final String QUICK_BACKEND_NAME = "main";
    /** Where the metrics and health endpoint listens unless {@code http:} (or {@code --http}) says otherwise. */
    public static final ListenAddress DEFAULT_HTTP = new ListenAddress("127.0.0.1", 9930);
    /** All backend connections together, across every pool (tenants with their own database can be many). */
    public static final int DEFAULT_MAX_BACKEND_CONNECTIONS = 500;

    /**
     * The HTTP address used when none is given: {@link #DEFAULT_HTTP}, except that a proxy told to
     * listen on port 0 (any free port: tests, several instances on one machine) takes a free port
     * for HTTP too, so two such proxies never fight over 9930.
     */
    public static ListenAddress defaultHttp(ListenAddress listen) {
        return listen.port() == 0 ? new ListenAddress(DEFAULT_HTTP.host(), 0) : DEFAULT_HTTP;
    }

    /**
     * The virtual database of the admin console: a client that asks for it gets pgsteer's own
     * commands (SHOW POOLS, ...) instead of a backend, so no logical database may have this name.
     */
    public static final String ADMIN_DATABASE = "pgsteer";

    public ProxyConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(authTimeout, "authTimeout");
        if (maxPreparedStatements < 1) {
            throw new IllegalArgumentException("maxPreparedStatements must be at least 1");
        }
        if (maxClientConnections < 1) {
            throw new IllegalArgumentException("maxClientConnections must be at least 1");
        }
        if (maxBackendConnections < 1) {
            throw new IllegalArgumentException("maxBackendConnections must be at least 1");
        }
        users = frozen(users);
        backends = frozen(backends);
        databases = frozen(databases);
        tenants = frozen(tenants);
        logging = logging == null ? LoggingConfig.defaults() : logging;
        sourceLines = sourceLines == null ? SourceLines.NONE : sourceLines;
        // A configuration built in code gets the same guarantees as one loaded from YAML.
        if (databases.containsKey(ADMIN_DATABASE)) {
            throw new IllegalArgumentException("the database name " + ADMIN_DATABASE
                    + " is reserved for pgsteer's admin console; give the logical database another name");
        }
        for (DatabaseConfig db : databases.values()) {
            for (String shard : db.shards()) {
                if (!backends.containsKey(shard)) {
                    throw new IllegalArgumentException("database " + db.name() + " names unknown backend " + shard);
                }
            }
        }
        for (TenantConfig tenant : tenants.values()) {
            DatabaseConfig db = databases.get(tenant.database());
            if (db == null || !db.isTenanted()) {
                throw new IllegalArgumentException("tenant " + tenant.id() + " names database " + tenant.database()
                        + ", which has no tenancy");
            }
            if (!db.shards().contains(tenant.shard())) {
                throw new IllegalArgumentException("tenant " + tenant.id() + " names shard " + tenant.shard()
                        + ", which is not one of database " + db.name() + "'s shards");
            }
        }
    }

    /** Without {@code state_dir} (the default folder). */
    public ProxyConfig(String source, ListenAddress listen, AuthMethod auth, Duration authTimeout, int maxClientConnections,
            int maxPreparedStatements, Map<String, UserConfig> users, Map<String, BackendConfig> backends,
            Map<String, DatabaseConfig> databases, SourceLines sourceLines, ListenAddress http,
            Map<String, TenantConfig> tenants, MetadataStoreConfig metadataStore, int maxBackendConnections,
            LoggingConfig logging, TlsConfig tls) {
        this(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends, databases,
                sourceLines, http, tenants, metadataStore, maxBackendConnections, logging, tls, null);
    }

    /** Without TLS for clients. */
    public ProxyConfig(String source, ListenAddress listen, AuthMethod auth, Duration authTimeout, int maxClientConnections,
            int maxPreparedStatements, Map<String, UserConfig> users, Map<String, BackendConfig> backends,
            Map<String, DatabaseConfig> databases, SourceLines sourceLines, ListenAddress http,
            Map<String, TenantConfig> tenants, MetadataStoreConfig metadataStore, int maxBackendConnections,
            LoggingConfig logging) {
        this(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends, databases,
                sourceLines, http, tenants, metadataStore, maxBackendConnections, logging, null);
    }

    /** With the default logging. */
    public ProxyConfig(String source, ListenAddress listen, AuthMethod auth, Duration authTimeout, int maxClientConnections,
            int maxPreparedStatements, Map<String, UserConfig> users, Map<String, BackendConfig> backends,
            Map<String, DatabaseConfig> databases, SourceLines sourceLines, ListenAddress http,
            Map<String, TenantConfig> tenants, MetadataStoreConfig metadataStore, int maxBackendConnections) {
        this(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends, databases,
                sourceLines, http, tenants, metadataStore, maxBackendConnections, LoggingConfig.defaults());
    }

    /** Without tenants, metadata store or backend connection cap (the defaults). */
    public ProxyConfig(String source, ListenAddress listen, AuthMethod auth, Duration authTimeout, int maxClientConnections,
            int maxPreparedStatements, Map<String, UserConfig> users, Map<String, BackendConfig> backends,
            Map<String, DatabaseConfig> databases, SourceLines sourceLines, ListenAddress http) {
        this(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends, databases,
                sourceLines, http, Map.of(), null, DEFAULT_MAX_BACKEND_CONNECTIONS, LoggingConfig.defaults());
    }

    /** A configuration without source lines (built in code), with the default HTTP endpoint. */
    public ProxyConfig(String source, ListenAddress listen, AuthMethod auth, Duration authTimeout, int maxClientConnections,
            int maxPreparedStatements, Map<String, UserConfig> users, Map<String, BackendConfig> backends,
            Map<String, DatabaseConfig> databases) {
        this(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends, databases,
                SourceLines.NONE);
    }

    /** With the default HTTP endpoint ({@link #defaultHttp}). */
    public ProxyConfig(String source, ListenAddress listen, AuthMethod auth, Duration authTimeout, int maxClientConnections,
            int maxPreparedStatements, Map<String, UserConfig> users, Map<String, BackendConfig> backends,
            Map<String, DatabaseConfig> databases, SourceLines sourceLines) {
        this(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends, databases,
                sourceLines, defaultHttp(listen));
    }

    /**
     * Quick mode ({@code pgsteer --listen ... --backend postgresql://USER:PASS@HOST:PORT/DB}): clients log
     * in with the backend's own user and password; the URL's database is the only one offered, or, when
     * the URL names none, every database passes through to the backend under its own name. That one
     * user is an admin: it may open the admin console. The URL's {@code ?sslmode=&sslrootcert=} (a
     * relative file from the working directory, as libpq reads it) set pgsteer's TLS to the backend.
     */
    public static ProxyConfig quick(ListenAddress listen, BackendUrl backend) {
        if (backend.user() == null || backend.password() == null) {
            throw new IllegalArgumentException("quick mode needs the user and password in the backend URL: "
                    + "postgresql://USER:PASSWORD@HOST:PORT/DATABASE");
        }
        String dbName = backend.database() == null ? DatabaseConfig.PASSTHROUGH : backend.database();
        DatabaseConfig db = new DatabaseConfig(dbName, List.of(QUICK_BACKEND_NAME), null, PoolConfig.defaults());
        return new ProxyConfig("--backend", listen, DEFAULT_AUTH, DEFAULT_AUTH_TIMEOUT,
                DEFAULT_MAX_CLIENT_CONNECTIONS, DEFAULT_MAX_PREPARED_STATEMENTS,
                Map.of(backend.user(), new UserConfig(backend.user(), backend.password(), true)),
                Map.of(QUICK_BACKEND_NAME, new BackendConfig(QUICK_BACKEND_NAME, backend,
                        backend.sslMode() == null ? SslMode.DEFAULT : backend.sslMode(),
                        backend.sslRootCert() == null ? null : Path.of(backend.sslRootCert()).toAbsolutePath())),
                Map.of(dbName, db));
    }

    /** The entry a client's database name selects: its own, else the passthrough entry, else none. */
    public Optional<DatabaseConfig> database(String clientDatabaseName) {
        DatabaseConfig exact = databases.get(clientDatabaseName);
        return Optional.ofNullable(exact != null ? exact : databases.get(DatabaseConfig.PASSTHROUGH));
    }

    /** The backend of a single-backend database, or the default shard of a sharded one. */
    public BackendConfig backendOf(DatabaseConfig database) {
        return backends.get(database.defaultShard());
    }

    /**
     * The database name to ask the backend for: {@code backend_database} if set; for the passthrough
     * entry, the name the client asked for; else the backend URL's database; else the logical name.
     */
    public String backendDatabaseName(DatabaseConfig database, String clientDatabaseName) {
        if (database.backendDatabase() != null) {
            return database.backendDatabase();
        }
        if (database.isPassthrough()) {
            return clientDatabaseName;
        }
        String fromUrl = backendOf(database).url().database();
        return fromUrl != null ? fromUrl : database.name();
    }

    /**
     * The database name to ask shard {@code shard} of a sharded database for: {@code backend_database} if
     * set, else that shard's backend URL's database, else the logical name. Each shard's URL may name
     * its own database (shop_0, shop_1 on one server).
     */
    public String shardDatabaseName(DatabaseConfig database, String shard) {
        if (!database.shards().contains(shard)) {
            throw new IllegalArgumentException(shard + " is not a shard of database " + database.name());
        }
        if (database.backendDatabase() != null) {
            return database.backendDatabase();
        }
        String fromUrl = backends.get(shard).url().database();
        return fromUrl != null ? fromUrl : database.name();
    }

    private static <V> Map<String, V> frozen(Map<String, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(map)));
    }

    /** The same configuration, saying it came from {@code source} (for the banner). */
    public ProxyConfig withSource(String source) {
        return new ProxyConfig(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends,
                databases, sourceLines, http, tenants, metadataStore, maxBackendConnections, logging, tls, stateDir);
    }

    /** The same configuration listening on {@code listen} (a reload keeps the address in use). */
    public ProxyConfig withListen(ListenAddress listen) {
        return new ProxyConfig(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends,
                databases, sourceLines, http, tenants, metadataStore, maxBackendConnections, logging, tls, stateDir);
    }

    /** The same configuration with the HTTP endpoint at {@code http}, or none when null ({@code --http}). */
    public ProxyConfig withHttp(ListenAddress http) {
        return new ProxyConfig(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends,
                databases, sourceLines, http, tenants, metadataStore, maxBackendConnections, logging, tls, stateDir);
    }

    /** The same configuration with these databases replaced (by name); the others are kept. */
    public ProxyConfig withDatabases(Map<String, DatabaseConfig> replaced) {
        Map<String, DatabaseConfig> merged = new LinkedHashMap<>(databases);
        replaced.forEach((name, db) -> {
            if (!merged.containsKey(name)) {
                throw new IllegalArgumentException("no database " + name + " to replace");
            }
            merged.put(name, db);
        });
        return new ProxyConfig(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends,
                merged, sourceLines, http, tenants, metadataStore, maxBackendConnections, logging, tls, stateDir);
    }

    /**
     * The same configuration with {@code added} backends (by name; one the file has already is replaced
     * by the equal one given) and these databases replaced: shards added at run time ({@link AddedShards}).
     */
    public ProxyConfig withBackends(Map<String, BackendConfig> added, Map<String, DatabaseConfig> replaced) {
        Map<String, BackendConfig> mergedBackends = new LinkedHashMap<>(backends);
        mergedBackends.putAll(added);
        Map<String, DatabaseConfig> merged = new LinkedHashMap<>(databases);
        replaced.forEach((name, db) -> {
            if (!merged.containsKey(name)) {
                throw new IllegalArgumentException("no database " + name + " to replace");
            }
            merged.put(name, db);
        });
        return new ProxyConfig(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users,
                mergedBackends, merged, sourceLines, http, tenants, metadataStore, maxBackendConnections, logging, tls, stateDir);
    }

    /** Every database's pool with {@code size} connections at most: the {@code --pool-size} of quick mode. */
    public ProxyConfig withPoolSize(int size) {
        Map<String, DatabaseConfig> resized = new LinkedHashMap<>();
        databases.forEach((name, db) -> {
            PoolConfig pool = db.pool();
            resized.put(name, db.withPool(new PoolConfig(pool.mode(), size,
                    Math.min(pool.minIdle(), size), pool.acquireTimeout(), pool.idleTimeout(), pool.maxLifetime())));
        });
        return new ProxyConfig(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends,
                resized, sourceLines, http, tenants, metadataStore, maxBackendConnections, logging, tls, stateDir);
    }

    /** Equal when everything but {@link #sourceLines} is: where a setting was written is not what it means. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ProxyConfig other
                && source.equals(other.source) && listen.equals(other.listen) && auth == other.auth
                && authTimeout.equals(other.authTimeout) && maxClientConnections == other.maxClientConnections
                && maxPreparedStatements == other.maxPreparedStatements && users.equals(other.users)
                && backends.equals(other.backends) && databases.equals(other.databases)
                && Objects.equals(http, other.http) && tenants.equals(other.tenants)
                && Objects.equals(metadataStore, other.metadataStore) && maxBackendConnections == other.maxBackendConnections
                && logging.equals(other.logging) && Objects.equals(tls, other.tls) && Objects.equals(stateDir, other.stateDir);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends,
                databases, http, tenants, metadataStore, maxBackendConnections, logging, tls, stateDir);
    }

    /** The same configuration with this boot tenant directory. */
    public ProxyConfig withTenants(Map<String, TenantConfig> newTenants) {
        return new ProxyConfig(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends,
                databases, sourceLines, http, newTenants, metadataStore, maxBackendConnections, logging, tls, stateDir);
    }

    /** The same configuration with this logging ({@code --log-format} over the file's). */
    public ProxyConfig withLogging(LoggingConfig newLogging) {
        return new ProxyConfig(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends,
                databases, sourceLines, http, tenants, metadataStore, maxBackendConnections, newLogging, tls, stateDir);
    }

    /** The same configuration with TLS for clients ({@code --tls-cert}/{@code --tls-key}); null turns it off. */
    public ProxyConfig withTls(TlsConfig newTls) {
        return new ProxyConfig(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends,
                databases, sourceLines, http, tenants, metadataStore, maxBackendConnections, logging, newTls, stateDir);
    }

    /** The same configuration keeping its files in {@code dir} ({@code state_dir:}); null: the default. */
    public ProxyConfig withStateDir(Path dir) {
        return new ProxyConfig(source, listen, auth, authTimeout, maxClientConnections, maxPreparedStatements, users, backends,
                databases, sourceLines, http, tenants, metadataStore, maxBackendConnections, logging, tls, dir);
    }
}
