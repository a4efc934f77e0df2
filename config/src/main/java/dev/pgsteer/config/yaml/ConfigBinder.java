package dev.pgsteer.config.yaml;

import dev.pgsteer.config.AuthMethod;
import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ListenAddress;
import dev.pgsteer.config.LoggingConfig;
import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.SourceLines;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TlsConfig;
import dev.pgsteer.config.UserConfig;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Turns the YAML node tree into a {@link ProxyConfig}: the schema of the file (which keys exist, their
 * defaults) and the checks across sections (a shard names a known backend, a password can check the
 * chosen auth method). A bad value is reported and replaced by its default so the walk goes on and
 * finds the other problems too; nothing is returned unless the file is free of problems.
 * This class reads the top level, {@code http:}, {@code tls:} and {@code logging:}; the larger sections
 * have binders of their own ({@link UserBinder}, {@link BackendBinder}, {@link DatabaseBinder} with
 * {@link ShardMapBinder}, {@link TenantBinder}), called in turn, and all report through one
 * {@link NodeReader}, so the problems come out together, sorted by line.
 */
public final class ConfigBinder {

    static final List<String> TOP_KEYS =
            List.of("listen", "http", "auth", "auth_timeout", "max_client_connections", "max_prepared_statements", "users", "backends", "databases",
                    "tenants", "metadata_store", "max_backend_connections", "logging", "tls", "state_dir");
    static final List<String> TLS_KEYS = List.of("cert", "key", "required");
    static final List<String> LOGGING_KEYS = List.of("format", "level", "slow_statement");

    private final NodeReader reader;
    /** The lines {@link SourceLines} keeps for checks made after loading. */
    private final Map<String, Integer> lines = new LinkedHashMap<>();
    private final TenantBinder tenancy;
    private final UserBinder userBinder;
    private final PemFiles pemFiles;

    /** For the file {@code source}, with {@code ${NAME}} taken from {@code env}. */
    public ConfigBinder(String source, Map<String, String> env) {
        this(new NodeReader(source, new EnvInterpolator(env)));
    }

    ConfigBinder(NodeReader reader) {
        this.reader = reader;
        this.tenancy = new TenantBinder(reader, lines);
        this.userBinder = new UserBinder(reader);
        this.pemFiles = new PemFiles(reader);
    }

    /** The configuration the tree describes; a {@link ConfigException} with every problem found if it has any. */
    public ProxyConfig bind(Node root) {
        Section top = reader.section(root, "", "listen: 127.0.0.1:6432, then backends: and databases: sections")
                .orElseThrow(() -> {
                    reader.throwIfAny();
                    return new IllegalStateException("unreachable");
                });
        reader.allowOnly(top, TOP_KEYS);

        ListenAddress listen = reader.parsed(top, "listen", ListenAddress::parse,
                "write HOST:PORT, like 127.0.0.1:6432, [::1]:6432, or :6432 for every address")
                .orElse(ListenAddress.DEFAULT);
        ListenAddress http = top.has("http") ? http(top) : ProxyConfig.defaultHttp(listen);
        AuthMethod auth = reader.parsed(top, "auth", AuthMethod::parse, "use one of " + AuthMethod.validNames())
                .orElse(ProxyConfig.DEFAULT_AUTH);
        Duration authTimeout = reader.duration(top, "auth_timeout").orElse(ProxyConfig.DEFAULT_AUTH_TIMEOUT);
        int maxClients = reader.integer(top, "max_client_connections", 1)
                .orElse(ProxyConfig.DEFAULT_MAX_CLIENT_CONNECTIONS);
        int maxPrepared = reader.integer(top, "max_prepared_statements", 1)
                .orElse(ProxyConfig.DEFAULT_MAX_PREPARED_STATEMENTS);

        Map<String, UserConfig> users = userBinder.users(top, auth);
        Map<String, BackendConfig> backends = new LinkedHashMap<>();
        Set<String> backendNames = new BackendBinder(reader, pemFiles).backends(top, backends);
        Map<String, DatabaseConfig> databases = new DatabaseBinder(reader, tenancy, lines).databases(top, backendNames);
        MetadataStoreConfig store = tenancy.metadataStore(top);
        Map<String, TenantConfig> tenants = tenancy.tenants(top, databases);
        tenancy.checkPinnedUsers(top, users, tenants, store, userBinder.tenantNodes());
        int maxBackend = reader.integer(top, "max_backend_connections", 1)
                .orElse(ProxyConfig.DEFAULT_MAX_BACKEND_CONNECTIONS);

        LoggingConfig logging = top.value("logging")
                .flatMap(node -> reader.section(node, "logging", "logging: { format: json, level: info, slow_statement: 500ms }"))
                .map(this::logging)
                .orElse(LoggingConfig.defaults());
        TlsConfig tls = tls(top);
        Path stateDir = stateDir(top);

        reader.throwIfAny();
        return new ProxyConfig(reader.source(), listen, auth, authTimeout, maxClients, maxPrepared, users, backends, databases,
                new SourceLines(lines), http, tenants, store, maxBackend, logging, tls, stateDir);
    }

    /**
     * {@code http: HOST:PORT}, or {@code http: off} (also {@code false}: YAML reads a bare off as a
     * boolean) for no endpoint; null means off.
     */
    private ListenAddress http(Section top) {
        Node node = top.value("http").orElseThrow();
        String fix = "write http: HOST:PORT, like 127.0.0.1:9930 or :9930 for every address, or http: off";
        if (NodeReader.isNull(node)) {
            reader.problem(node, "http is empty", fix);
            return null;
        }
        Optional<String> text = reader.text(node, "http");
        if (text.isPresent() && List.of("off", "false", "no").contains(text.get().strip().toLowerCase(Locale.ROOT))) {
            return null;
        }
        return reader.parsed(top, "http", ListenAddress::parse, fix).orElse(null);
    }

    /** {@code tls: { cert: FILE, key: FILE, required: false }}; null when absent. */
    private TlsConfig tls(Section top) {
        Optional<Node> node = top.value("tls");
        if (node.isEmpty()) {
            return null;
        }
        String example = "tls: { cert: server.crt, key: server.key }";
        if (NodeReader.isNull(node.get())) {
            reader.problem(node.get(), "tls is empty", "give the certificate and key files, like " + example + ", or remove tls:");
            return null;
        }
        Optional<Section> section = reader.section(node.get(), "tls", example);
        if (section.isEmpty()) {
            return null;
        }
        Section tls = section.get();
        reader.allowOnly(tls, TLS_KEYS);
        for (String key : List.of("cert", "key")) {
            if (!tls.has(key)) {
                reader.problem(tls.node(), "tls has no " + key, "add " + key + ": FILE, like " + example);
            }
        }
        Optional<Path> cert = pemFiles.read(tls, "cert", true);
        Optional<Path> key = pemFiles.read(tls, "key", false);
        boolean required = reader.bool(tls, "required").orElse(false);
        return cert.isPresent() && key.isPresent() ? new TlsConfig(cert.get(), key.get(), required) : null;
    }

    /**
     * {@code state_dir: FOLDER}, where pgsteer keeps its files (the decision log without a metadata
     * store); relative to the configuration file's folder, like the TLS files. Null when absent.
     */
    private Path stateDir(Section top) {
        Optional<String> text = top.value("state_dir").flatMap(node -> reader.text(node, "state_dir"));
        if (text.isEmpty()) {
            return null;
        }
        try {
            return pemFiles.baseDirectory().resolve(text.get().strip()).normalize();
        } catch (InvalidPathException e) {
            reader.problem(top.value("state_dir").orElseThrow(), "state_dir: '" + text.get() + "' is not a folder name",
                    "write a folder pgsteer may create and write, like state_dir: /var/lib/pgsteer");
            return null;
        }
    }

    /** {@code logging: { format: text|json, level: info, slow_statement: 1s|off }}. */
    private LoggingConfig logging(Section section) {
        reader.allowOnly(section, LOGGING_KEYS);
        LoggingConfig.Format format = reader.parsed(section, "format", LoggingConfig.Format::parse, "use text or json")
                .orElse(null);
        String level = reader.parsed(section, "level", text -> {
            String lower = text.strip().toLowerCase(Locale.ROOT);
            if (!LoggingConfig.LEVELS.contains(lower)) {
                throw new IllegalArgumentException("'" + text + "' is not a log level");
            }
            return lower;
        }, "use one of " + String.join(", ", LoggingConfig.LEVELS)).orElse(null);
        Duration slow = LoggingConfig.DEFAULT_SLOW_STATEMENT;
        Optional<Node> slowNode = section.value("slow_statement");
        if (slowNode.isPresent()) {
            Optional<String> text = reader.text(slowNode.get(), section.pathOf("slow_statement"));
            if (text.isPresent() && List.of("off", "false", "no").contains(text.get().strip().toLowerCase(Locale.ROOT))) {
                slow = null;
            } else if (text.isPresent()) {
                slow = reader.duration(section, "slow_statement").orElse(LoggingConfig.DEFAULT_SLOW_STATEMENT);
            }
        }
        return new LoggingConfig(format, level, slow);
    }
}
