package dev.pgsteer.proxy.server;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.RolelessTenants;
import dev.pgsteer.config.store.ShardMapCatalog;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.pool.PoolSettings;
import dev.pgsteer.proxy.client.UserDirectory;
import dev.pgsteer.proxy.runtime.ProxyContext;
import dev.pgsteer.proxy.runtime.ReloadOutcome;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.router.session.SessionRouter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RELOAD and SIGHUP: re-reads the configuration file with the checks of the start (the loader's, then
 * the shard map's against the shards' catalogs), and either rejects it whole, with every problem's
 * file, line and fix, or puts it in force for new sessions and new statements:
 *
 * <ul>
 *   <li>users, auth, auth_timeout, max_client_connections: for the next logins;</li>
 *   <li>databases: a new one is served at once, a removed one refuses new sessions (3D000) while its
 *       sessions go on; a sharded database takes its new shard map for its next statements, its
 *       running sessions' included;</li>
 *   <li>pool settings: for the next leases of the pool; a pool the file no longer reaches keeps its
 *       sessions and lets its idle connections close;</li>
 *   <li>tls and the backends' sslmode: for the next client and backend connections; the certificate
 *       files are read again even when their names did not change, so replacing them and reloading
 *       rotates a certificate;</li>
 *   <li>listen, http, max_prepared_statements, state_dir: need a restart; the reload says so and keeps the rest.</li>
 * </ul>
 *
 * Runs on its own thread, one reload at a time, never on an event loop: the catalog check opens JDBC
 * connections.
 */
final class ConfigReloader {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final PgSteerServer server;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread t = new Thread(runnable, "pgsteer-reload");
        t.setDaemon(true);
        return t;
    });

    ConfigReloader(PgSteerServer server) {
        this.server = server;
    }

    CompletableFuture<ReloadOutcome> reload() {
        try {
            return CompletableFuture.supplyAsync(this::reloadNow, thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(new ReloadOutcome.Failed("pgsteer is stopping; no reload"));
        }
    }

    void close() {
        thread.shutdownNow();
    }

    /**
     * The metadata store's shard list changed (ADD SHARD through any instance): the configuration in
     * force with the new shards merged in, put in force as a reload would be, on the reload thread, so
     * that it never races a reload. Completes once the databases route over the new shards.
     */
    CompletableFuture<ReloadOutcome> shardsChanged() {
        try {
            return CompletableFuture.supplyAsync(this::applyShardsNow, thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(new ReloadOutcome.Failed("pgsteer is stopping"));
        }
    }

    private ReloadOutcome applyShardsNow() {
        String source = "shard list version " + server.shardList().current().version();
        try {
            ProxyConfig before = inForce(server.context());
            ProxyConfig next = server.shardList().over(before);
            server.shardList().current().unplaced(next).forEach(shard -> log.warn("{}: shard {} is of database {}, which this "
                    + "instance does not serve as a sharded database; left out", source, shard.name(), shard.database()));
            if (next.equals(before)) {
                return new ReloadOutcome.Applied(source, List.of(), List.of());
            }
            ReloadOutcome outcome = put(before, next, List.of(), source);
            log.info("{}: applied: {}", source, String.join("; ", ((ReloadOutcome.Applied) outcome).changes()));
            return outcome;
        } catch (RuntimeException e) {
            // A file whose backend has an added shard's name and another server: keep serving what runs.
            log.error("{}: not applied: {}", source, e.getMessage());
            return new ReloadOutcome.Failed(source + " not applied: " + e.getMessage());
        }
    }

    /** What is in force, key types learned since the start included (tables created through pgsteer). */
    private ProxyConfig inForce(ProxyContext context) {
        Map<String, DatabaseConfig> learned = new LinkedHashMap<>();
        context.sharded().forEach((name, database) -> learned.put(name, database.config()));
        return server.current().withDatabases(learned);
    }

    private ReloadOutcome reloadNow() {
        Path file = server.configFile();
        ReloadOutcome outcome;
        if (file == null) {
            outcome = ReloadOutcome.noFile();
        } else {
            try {
                outcome = apply(file);
            } catch (ConfigException e) {
                outcome = new ReloadOutcome.Rejected(file.toString(), e.problems());
            } catch (RuntimeException e) {
                log.warn("reload of {} failed", file, e);
                outcome = new ReloadOutcome.Failed("reload of " + file + " failed: " + e + "; the running configuration stays");
            }
        }
        switch (outcome) {
            case ReloadOutcome.Applied applied -> {
                log.info("reload of {}: applied{}", applied.source(),
                        applied.changes().isEmpty() ? ", nothing changed" : ": " + String.join("; ", applied.changes()));
                applied.notes().forEach(note -> log.warn("reload of {}: {}", applied.source(), note));
            }
            case ReloadOutcome.Rejected rejected -> {
                log.warn("reload of {}: rejected, the running configuration stays; {} problem(s):", rejected.source(),
                        rejected.problems().size());
                rejected.problems().forEach(problem -> log.warn("  {}", problem));
            }
            case ReloadOutcome.Failed failed -> log.warn("reload: {}", failed.reason());
        }
        return outcome;
    }

    private ReloadOutcome apply(Path file) {
        ProxyContext context = server.context();
        ProxyConfig before = inForce(context);
        ProxyConfig fromFile = ConfigLoader.load(file);
        ProxyConfig loaded;
        try {
            // The shards ADD SHARD added stay: the file is their seed, not their list.
            loaded = server.shardList().over(fromFile);
        } catch (IllegalArgumentException e) {
            return new ReloadOutcome.Failed("reload of " + file + " rejected: " + e.getMessage() + "; the running configuration stays");
        }
        if (loaded.databases().values().stream().anyMatch(DatabaseConfig::isSharded)) {
            ShardMapCatalog.Result checked = new ShardMapCatalog().check(loaded);
            checked.warnings().forEach(warning -> log.warn("reload of {}: {}", file, warning));
            loaded = checked.applyTo(loaded);
        }
        RolelessTenants.warnings(loaded).forEach(warning -> log.warn("reload: {}", warning));
        List<String> notes = new ArrayList<>();
        ProxyConfig next = loaded;
        if (!loaded.listen().equals(before.listen())) {
            notes.add("listen changed from " + before.listen() + " to " + loaded.listen()
                    + ": that needs a restart; still listening on " + before.listen());
            next = next.withListen(before.listen());
        }
        if (!Objects.equals(loaded.http(), before.http())) {
            notes.add("http changed from " + (before.http() == null ? "off" : before.http()) + " to "
                    + (loaded.http() == null ? "off" : loaded.http()) + ": that needs a restart; the endpoint stays as it is");
            next = next.withHttp(before.http());
        }
        if (!Objects.equals(loaded.stateDir(), before.stateDir())) {
            notes.add("state_dir changed from " + (before.stateDir() == null ? "the default" : before.stateDir()) + " to "
                    + (loaded.stateDir() == null ? "the default" : loaded.stateDir())
                    + ": that needs a restart; the decision log stays where it is");
            next = next.withStateDir(before.stateDir());
        }
        if (loaded.maxPreparedStatements() != before.maxPreparedStatements()) {
            notes.add("max_prepared_statements changed from " + before.maxPreparedStatements() + " to "
                    + loaded.maxPreparedStatements() + ": that needs a restart");
        }
        if (context.shardMaps() != null) {
            // The bucket maps in force (the metadata store's) over the file's: an unchanged file reads as unchanged.
            next = context.shardMaps().over(next);
        }
        server.fileConfig(fromFile);
        return put(before, next, notes, file.toString());
    }

    /** Puts {@code next} in force over {@code before}: databases reconfigured or made, TLS, pools, the snapshot. */
    private ReloadOutcome put(ProxyConfig before, ProxyConfig next, List<String> notes, String source) {
        ProxyContext context = server.context();
        Map<String, ShardedDatabase> sharded = new HashMap<>();
        Map<String, ShardedDatabase> running = context.sharded();
        for (DatabaseConfig database : next.databases().values()) {
            if (!database.isSharded()) {
                continue;
            }
            ShardedDatabase existing = running.get(database.name());
            if (existing != null) {
                if (!existing.config().equals(database) || !shardBackends(before, database).equals(shardBackends(next, database))) {
                    existing.reconfigure(next, database);
                }
                sharded.put(database.name(), existing);
            } else {
                sharded.put(database.name(), server.newShardedDatabase(next, database));
            }
        }
        // Read before anything changes: a certificate that cannot be used fails the reload as a whole.
        PgSteerServer.TlsState tls = PgSteerServer.TlsState.of(next);
        ProxyConfig applied = next;
        server.tls(tls);
        server.pools().reconfigure(target -> settingsFor(applied, target));
        server.current(applied);
        context.swap(new ProxyContext.Snapshot(applied, new UserDirectory(applied.users()), new SessionRouter(applied, context.tenants()::directory), sharded));
        return new ReloadOutcome.Applied(source, changes(before, applied), notes);
    }

    private static List<BackendConfig> shardBackends(ProxyConfig config, DatabaseConfig database) {
        return database.shards().stream().map(config.backends()::get).toList();
    }

    /**
     * The settings the new configuration gives the pool of {@code target}: from the first database
     * (in file order) that reaches it, as at the start; the passthrough entry reaches every database
     * of its backend that no other entry names. Empty when no database reaches it any more.
     */
    static Optional<PoolSettings> settingsFor(ProxyConfig config, BackendTarget target) {
        DatabaseConfig passthrough = null;
        for (DatabaseConfig database : config.databases().values()) {
            if (database.isPassthrough()) {
                passthrough = database;
                continue;
            }
            for (String shard : database.shards()) {
                BackendConfig backend = config.backends().get(shard);
                String name = database.isSharded() ? config.shardDatabaseName(database, shard)
                        : config.backendDatabaseName(database, database.name());
                if (sameServerAndLogin(backend, shard, target) && name.equals(target.database())) {
                    return Optional.of(PoolSettings.of(database.pool()));
                }
            }
        }
        if (passthrough != null) {
            String shard = passthrough.shards().getFirst();
            if (sameServerAndLogin(config.backends().get(shard), shard, target)) {
                return Optional.of(PoolSettings.of(passthrough.pool()));
            }
        }
        return Optional.empty();
    }

    private static boolean sameServerAndLogin(BackendConfig backend, String name, BackendTarget target) {
        return backend != null && name.equals(target.name()) && backend.url().host().equals(target.host())
                && backend.url().port() == target.port() && Objects.equals(backend.url().user(), target.user())
                && Objects.equals(backend.url().password(), target.password());
    }

    /** What changed, in a few words each, for the log line; passwords are never shown, only that a user changed. */
    static List<String> changes(ProxyConfig before, ProxyConfig after) {
        List<String> changes = new ArrayList<>();
        named(changes, "users", before.users(), after.users());
        named(changes, "backends", before.backends(), after.backends());
        named(changes, "databases", before.databases(), after.databases());
        named(changes, "tenants", before.tenants(), after.tenants());
        if (before.auth() != after.auth()) {
            changes.add("auth " + before.auth().configName() + " -> " + after.auth().configName());
        }
        if (!before.authTimeout().equals(after.authTimeout())) {
            changes.add("auth_timeout " + before.authTimeout() + " -> " + after.authTimeout());
        }
        if (before.maxClientConnections() != after.maxClientConnections()) {
            changes.add("max_client_connections " + before.maxClientConnections() + " -> " + after.maxClientConnections());
        }
        if (!before.logging().equals(after.logging())) {
            changes.add("logging");
        }
        if (!Objects.equals(before.metadataStore(), after.metadataStore())) {
            changes.add("metadata_store");
        }
        if (!Objects.equals(before.tls(), after.tls())) {
            changes.add("tls");
        }
        return changes;
    }

    private static <V> void named(List<String> changes, String section, Map<String, V> before, Map<String, V> after) {
        List<String> parts = new ArrayList<>();
        Map<String, V> all = new LinkedHashMap<>(before);
        all.putAll(after);
        all.forEach((name, value) -> {
            if (!before.containsKey(name)) {
                parts.add("+" + name);
            } else if (!after.containsKey(name)) {
                parts.add("-" + name);
            } else if (!before.get(name).equals(value)) {
                parts.add("~" + name);
            }
        });
        if (!parts.isEmpty()) {
            changes.add(section + " " + String.join(" ", parts));
        }
    }
}
