package dev.pgsteer.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The shards added at run time, at a version of the metadata store's shard list. {@link #applyTo} merges
 * them into a configuration: each becomes a backend and the last shard of its database. The file stays
 * the seed: a file that names the same shard with the same server is the same shard; one that names it
 * with another server is an error that says so, since two instances would then route one name to two
 * servers.
 */
public record AddedShards(long version, List<AddedShard> shards) {
    public static final AddedShards NONE = new AddedShards(0, List.of());

    public AddedShards {
        shards = List.copyOf(shards);
    }

    /**
     * {@code config} with these shards in its databases. Idempotent: a configuration that has them
     * already comes back equal. A shard of a database the configuration lacks, or that is not sharded,
     * is left out ({@link #unplaced} names them).
     *
     * @throws IllegalArgumentException when a backend of the configuration has a shard's name and another server
     */
    public ProxyConfig applyTo(ProxyConfig config) {
        Map<String, BackendConfig> backends = new LinkedHashMap<>();
        Map<String, DatabaseConfig> databases = new LinkedHashMap<>();
        for (AddedShard shard : shards) {
            DatabaseConfig database = databases.getOrDefault(shard.database(), config.databases().get(shard.database()));
            if (database == null || !database.isSharded()) {
                continue;
            }
            BackendConfig made = backendOf(config, database, shard);
            BackendConfig existing = backends.containsKey(shard.name()) ? backends.get(shard.name())
                    : config.backends().get(shard.name());
            if (existing == null) {
                backends.put(shard.name(), made);
            } else if (!sameServer(existing.url(), made.url())) {
                throw new IllegalArgumentException("shard " + shard.name() + " of database " + shard.database()
                        + " was added (ADD SHARD, kept in the metadata store) as " + describe(made.url())
                        + ", but backend " + shard.name() + " of the configuration is " + describe(existing.url())
                        + ": give that backend the same server and database, or rename it");
            }
            if (!database.shards().contains(shard.name())) {
                List<String> names = new ArrayList<>(database.shards());
                names.add(shard.name());
                databases.put(database.name(), database.withShards(names));
            }
        }
        return backends.isEmpty() && databases.isEmpty() ? config : config.withBackends(backends, databases);
    }

    /** The shards {@link #applyTo} leaves out of {@code config}: their database is not one of its sharded databases. */
    public List<AddedShard> unplaced(ProxyConfig config) {
        return shards.stream().filter(s -> config.databases().get(s.database()) == null
                || !config.databases().get(s.database()).isSharded()).toList();
    }

    /** The shards added to {@code database}, in the order they were added. */
    public List<AddedShard> of(String database) {
        return shards.stream().filter(s -> s.database().equals(database)).toList();
    }

    /**
     * The backend of an added shard: its URL with the login of the database's default shard where the URL
     * has none (a password only for the same user), and that shard's TLS settings.
     */
    public static BackendConfig backendOf(ProxyConfig config, DatabaseConfig database, AddedShard shard) {
        BackendConfig seed = config.backends().get(database.defaultShard());
        BackendUrl url = shard.url();
        String user = url.user() != null ? url.user() : seed.url().user();
        String password = url.password() != null ? url.password()
                : Objects.equals(user, seed.url().user()) ? seed.url().password() : null;
        return new BackendConfig(shard.name(), url.withCredentials(user, password), seed.sslMode(), seed.sslRootCert());
    }

    /** Host, port and database: the login may differ (the file's credentials apply to a URL stored without them). */
    public static boolean sameServer(BackendUrl a, BackendUrl b) {
        return a.host().equalsIgnoreCase(b.host()) && a.port() == b.port() && Objects.equals(a.database(), b.database());
    }

    private static String describe(BackendUrl url) {
        return "postgresql://" + ListenAddress.hostPort(url.host(), url.port()) + (url.database() == null ? "" : "/" + url.database());
    }
}
