package dev.pgsteer.proxy.tenant.control;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.TenancyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.config.TenantState;
import dev.pgsteer.config.store.MetadataStore;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.pool.PoolLabel;
import dev.pgsteer.proxy.backend.pool.PoolRegistry;
import dev.pgsteer.proxy.backend.pool.PoolSettings;
import dev.pgsteer.proxy.tenant.gate.TenantTarget;
import dev.pgsteer.proxy.tenant.gate.TenantTargets;
import dev.pgsteer.router.placement.TenantPlacement;
import dev.pgsteer.router.tenant.TenantGuard;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy's view of the tenant directory: the directory itself, as the metadata store
 * last delivered it, and the {@link TenantTarget} of each tenant, made on first use and kept until
 * the directory or the configuration changes. Read by every tenant session on its event loop,
 * without locks: the directory is an immutable snapshot behind a volatile field.
 */
public final class Tenants implements TenantTargets {
    private static final Logger log = LoggerFactory.getLogger(Tenants.class);

    private final PoolRegistry pools;
    private final MetadataStore store;
    private volatile ProxyConfig config;
    private volatile TenantDirectory directory;
    private final Map<String, TenantTarget> targets = new ConcurrentHashMap<>();
    private final Map<String, TenantTarget> anonymous = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public Tenants(ProxyConfig config, MetadataStore store, PoolRegistry pools) {
        this.config = config;
        this.store = store;
        this.pools = pools;
        this.directory = store.load();
        store.follow(this::directoryChanged);
    }

    public MetadataStore store() {
        return store;
    }

    public TenantDirectory directory() {
        return directory;
    }

    public ProxyConfig config() {
        return config;
    }

    /** The store delivered a new directory: targets of changed tenants are made anew on their next use. */
    public void directoryChanged(TenantDirectory changed) {
        TenantDirectory before = directory;
        directory = changed;
        targets.clear();
        retireMovedDatabases(before, changed);
        if (before.version() != changed.version()) {
            log.info("tenant directory now at version {} ({} tenants)", changed.version(), changed.tenants().size());
        }
        listeners.forEach(Runnable::run);
    }

    /**
     * A tenant with a database of its own that changed shard (MOVE TENANT) no longer uses its pool to the old
     * database: it keeps no idle connection open there (min_idle 0), so that it does not reconnect to a
     * database the move drops (DROP DATABASE ... WITH (FORCE) ends those it has); sessions still holding
     * one finish with it.
     */
    private void retireMovedDatabases(TenantDirectory before, TenantDirectory changed) {
        for (TenantConfig was : before.tenants().values()) {
            TenantConfig now = changed.get(was.id()).orElse(null);
            if (was.mode() != TenantMode.DATABASE || now == null || now.shard().equals(was.shard())) {
                continue;
            }
            try {
                pools.find(backendTarget(TenantPlacement.of(config, was)))
                        .ifPresent(pool -> pool.reconfigure(pool.settings().withoutMinIdle()));
            } catch (IllegalStateException e) {
                log.debug("tenant {}: its old placement is not in the configuration: {}", was.id(), e.getMessage());
            }
        }
    }

    /** Told after each new directory is in use (a tenant move waits for its tenant's new shard here). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /**
     * The configuration was reloaded: targets are made anew, and the file's tenants that the
     * directory lacks are added to it (a store keeps what it has: the file is the boot directory).
     * Runs on the reloading thread, off the event loops.
     */
    public void configChanged(ProxyConfig changed) {
        config = changed;
        targets.clear();
        anonymous.clear();
        for (TenantConfig tenant : changed.tenants().values()) {
            if (directory.get(tenant.id()).isEmpty()) {
                try {
                    store.create(tenant);
                } catch (RuntimeException e) {
                    log.warn("reload: tenant {} of the file was not added to the directory: {}", tenant.id(), e.getMessage());
                }
            }
        }
        directoryChanged(store.load());
    }

    public Optional<TenantConfig> find(String id) {
        return directory.get(id);
    }

    @Override
    public Optional<TenantTarget> target(String id) {
        TenantTarget known = targets.get(id);
        if (known != null) {
            return Optional.of(known);
        }
        return directory.get(id).map(tenant -> targets.computeIfAbsent(id, k -> make(tenant)));
    }

    @Override
    public TenantTarget anonymous(DatabaseConfig database) {
        return anonymous.computeIfAbsent(database.name(), k -> makeAnonymous(database));
    }

    private TenantTarget make(TenantConfig tenant) {
        ProxyConfig cfg = config;
        DatabaseConfig db = cfg.databases().get(tenant.database());
        BackendTarget backend = backendTarget(TenantPlacement.of(cfg, tenant));

        TenancyConfig tenancy = db.tenancy();
        Map<String, String> settings = new LinkedHashMap<>();
        Set<String> reserved = new HashSet<>();
        if (tenant.mode() != TenantMode.DATABASE) {
            reserved.add("search_path");
            reserved.add(tenancy.setting().toLowerCase(Locale.ROOT));
            settings.put("search_path", searchPath(tenant.mode() == TenantMode.SCHEMA ? tenant.schema() : null, tenancy));
            settings.put(tenancy.setting(), tenant.mode() == TenantMode.SHARED ? tenant.id() : "");
        }
        boolean readOnly = tenant.state() == TenantState.READ_ONLY;
        if (readOnly) {
            settings.put("default_transaction_read_only", "on");
            reserved.add("default_transaction_read_only");
            reserved.add("transaction_read_only");
        }
        Set<String> foreign = tenant.mode() == TenantMode.DATABASE ? Set.of() : foreignSchemas(db.name(), tenant.id());
        var label = new PoolLabel(backend.name(), db.name(), tenant.mode().configName());
        return new TenantTarget(tenant, db.name(), pools.poolFor(backend, PoolSettings.of(db.pool()), label), Map.copyOf(settings),
                new TenantGuard(reserved, foreign, readOnly, tenant.mode() == TenantMode.SHARED, tenant.role() == null));
    }

    private TenantTarget makeAnonymous(DatabaseConfig db) {
        ProxyConfig cfg = config;
        BackendConfig shard = cfg.backends().get(db.defaultShard());
        BackendTarget backend = BackendTarget.of(shard, cfg.shardDatabaseName(db, db.defaultShard()));
        Map<String, String> settings = Map.of("search_path", searchPath(null, db.tenancy()), db.tenancy().setting(), "");
        Set<String> reserved = Set.of("search_path", db.tenancy().setting().toLowerCase(Locale.ROOT));
        var label = new PoolLabel(backend.name(), db.name(), "no_tenant");
        return new TenantTarget(null, db.name(), pools.poolFor(backend, PoolSettings.of(db.pool()), label), settings,
                new TenantGuard(reserved, foreignSchemas(db.name(), null), false));
    }

    /** The schemas of the other schema tenants of the database, as the guard compares them. */
    private Set<String> foreignSchemas(String database, String except) {
        return directory.tenants().values().stream()
                .filter(t -> t.database().equals(database) && t.mode() == TenantMode.SCHEMA && !t.id().equals(except))
                .map(TenantConfig::schema)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The tenant's own schema first, then the shared ones, each quoted: {@code "acme", "public"}. */
    static String searchPath(String schema, TenancyConfig tenancy) {
        List<String> path = new ArrayList<>();
        if (schema != null) {
            path.add(schema);
        }
        path.addAll(tenancy.sharedSchemas());
        if (path.isEmpty()) {
            return "''";
        }
        return path.stream().map(s -> '"' + s.replace("\"", "\"\"") + '"').collect(Collectors.joining(", "));
    }

    /** The pool target of a tenant's placement: its server, database and login. */
    private static BackendTarget backendTarget(TenantPlacement placement) {
        return BackendTarget.of(placement.server(), placement.database()).loggingInAs(placement.user(), placement.password());
    }
}
