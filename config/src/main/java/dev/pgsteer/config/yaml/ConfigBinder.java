package dev.pgsteer.config.yaml;

import dev.pgsteer.config.AuthMethod;
import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.ConfigException;
import dev.pgsteer.config.DatabaseConfig;
import dev.pgsteer.config.ListenAddress;
import dev.pgsteer.config.LoggingConfig;
import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.PasswordKind;
import dev.pgsteer.config.PoolConfig;
import dev.pgsteer.config.PoolMode;
import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.SourceLines;
import dev.pgsteer.config.SslMode;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.config.TenancyConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TlsConfig;
import dev.pgsteer.config.UserConfig;
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
 */
public final class ConfigBinder {

    static final List<String> TOP_KEYS =
            List.of("listen", "http", "auth", "auth_timeout", "max_client_connections", "max_prepared_statements", "users", "backends", "databases",
                    "tenants", "metadata_store", "max_backend_connections", "logging", "tls");
    static final List<String> USER_KEYS = List.of("password", "admin", "tenant");
    static final List<String> BACKEND_KEYS = List.of("url", "user", "password", "sslmode", "sslrootcert");
    static final List<String> TLS_KEYS = List.of("cert", "key", "required");
    static final List<String> DATABASE_KEYS = List.of("shards", "default_shard", "tables", "backend_database", "pool", "tenancy");
    static final List<String> LOGGING_KEYS = List.of("format", "level", "slow_statement");
    static final List<String> POOL_KEYS =
            List.of("mode", "size", "min_idle", "acquire_timeout", "idle_timeout", "max_lifetime");

    private static final String URL_FORM = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE";

    private final NodeReader reader;
    /** The lines {@link SourceLines} keeps for checks made after loading. */
    private final Map<String, Integer> lines = new LinkedHashMap<>();
    private final TenantBinder tenancy;
    /** Where each user's {@code tenant:} was written, to point at it once the tenants are known. */
    private final Map<String, Node> userTenantNodes = new LinkedHashMap<>();

    /** For the file {@code source}, with {@code ${NAME}} taken from {@code env}. */
    public ConfigBinder(String source, Map<String, String> env) {
        this(new NodeReader(source, new EnvInterpolator(env)));
    }

    ConfigBinder(NodeReader reader) {
        this.reader = reader;
        this.tenancy = new TenantBinder(reader, lines);
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

        Map<String, UserConfig> users = users(top, auth);
        Map<String, BackendConfig> backends = new LinkedHashMap<>();
        Set<String> backendNames = backends(top, backends);
        Map<String, DatabaseConfig> databases = databases(top, backendNames);
        MetadataStoreConfig store = tenancy.metadataStore(top);
        Map<String, TenantConfig> tenants = tenancy.tenants(top, databases);
        tenancy.checkPinnedUsers(top, users, tenants, store, userTenantNodes);
        int maxBackend = reader.integer(top, "max_backend_connections", 1)
                .orElse(ProxyConfig.DEFAULT_MAX_BACKEND_CONNECTIONS);

        LoggingConfig logging = top.value("logging")
                .flatMap(node -> reader.section(node, "logging", "logging: { format: json, level: info, slow_statement: 500ms }"))
                .map(this::logging)
                .orElse(LoggingConfig.defaults());
        TlsConfig tls = tls(top);

        reader.throwIfAny();
        return new ProxyConfig(reader.source(), listen, auth, authTimeout, maxClients, maxPrepared, users, backends, databases,
                new SourceLines(lines), http, tenants, store, maxBackend, logging, tls);
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

    private Map<String, UserConfig> users(Section top, AuthMethod auth) {
        Map<String, UserConfig> users = new LinkedHashMap<>();
        Optional<Node> node = top.value("users");
        if (node.isEmpty() || NodeReader.isNull(node.get())) {
            return users;
        }
        reader.section(node.get(), "users", "users: { alice: { password: secret } }").ifPresent(section ->
                section.entries().forEach((name, entry) ->
                        user(name, entry, section.pathOf(name), auth).ifPresent(u -> users.put(name, u))));
        return users;
    }

    private Optional<UserConfig> user(String name, Section.Entry entry, String path, AuthMethod auth) {
        Optional<Section> user = NodeReader.isNull(entry.value())
                ? Optional.of(new Section(path, entry.value(), Map.of()))
                : reader.section(entry.value(), path, "{ password: secret }");
        if (user.isEmpty()) {
            return Optional.empty();
        }
        reader.allowOnly(user.get(), USER_KEYS);
        boolean admin = reader.bool(user.get(), "admin").orElse(false);
        String tenant = reader.text(user.get(), "tenant").orElse(null);
        user.get().value("tenant").ifPresent(node -> userTenantNodes.put(name, node));
        Optional<Node> written = user.get().value("password").filter(n -> !NodeReader.isNull(n));
        if (written.isEmpty()) {
            if (auth != AuthMethod.TRUST) {
                reader.problem(entry.key(), "user '" + name + "' has no password, but auth is " + auth.configName(),
                        "give it a password (plain text, a SCRAM verifier, an md5 hash or ${ENV}), "
                                + "or set auth: trust");
            }
            return Optional.of(new UserConfig(name, null, admin, tenant));
        }
        // An unusable password (an unset ${ENV}) was reported by text(); the user is dropped with it.
        return reader.text(user.get(), "password")
                .filter(password -> passwordFits(password, written.get(), user.get().pathOf("password"), auth))
                .map(password -> new UserConfig(name, password, admin, tenant));
    }

    /** A stored hash can check only the login method it was made for; say so now rather than at every login. */
    private boolean passwordFits(String password, Node at, String path, AuthMethod auth) {
        PasswordKind kind = PasswordKind.of(password);
        if (kind == PasswordKind.SCRAM_VERIFIER && !PasswordKind.isWellFormedScramVerifier(password)) {
            reader.problem(at, path + " starts like a SCRAM verifier but is not a whole one",
                    "paste all of it from pg_authid.rolpassword: "
                            + "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>");
            return false;
        }
        if (!kind.canCheck(auth)) {
            boolean md5 = kind == PasswordKind.MD5_HASH;
            reader.problem(at, path + " is " + (md5 ? "an md5 hash" : "a SCRAM verifier")
                            + ", which cannot check logins when auth is " + auth.configName(),
                    "give the plain password or " + (md5 ? "a SCRAM verifier" : "an md5 hash") + ", or set auth: "
                            + (md5 ? "md5" : "scram-sha-256"));
            return false;
        }
        return true;
    }

    /** Fills {@code into} with the usable backends and returns every declared name, usable or not. */
    private Set<String> backends(Section top, Map<String, BackendConfig> into) {
        Optional<Section> section = required(top, "backends",
                "backends: { main: { url: \"" + URL_FORM + "\" } }");
        section.ifPresent(s -> s.entries().forEach((name, entry) ->
                reader.section(entry.value(), s.pathOf(name), "{ url: \"" + URL_FORM + "\" }")
                        .flatMap(backend -> backend(name, backend))
                        .ifPresent(backend -> into.put(name, backend))));
        return section.map(s -> s.entries().keySet()).orElse(Set.of());
    }

    private Optional<BackendConfig> backend(String name, Section section) {
        reader.allowOnly(section, BACKEND_KEYS);
        if (!section.has("url")) {
            reader.problem(section.node(), "backend '" + name + "' has no url", "add url: \"" + URL_FORM + "\"");
            return Optional.empty();
        }
        Optional<BackendUrl> url = reader.parsed(section, "url", BackendUrl::parse,
                "write it as " + URL_FORM + "; percent-encode special characters in the user and password "
                        + "(@ as %40, : as %3A)");
        Optional<String> user = reader.text(section, "user");
        Optional<String> password = reader.text(section, "password");
        // TLS from the keys, or from the url's ?sslmode=&sslrootcert= (as copied from a provider), not both.
        Node urlNode = section.value("url").orElseThrow();
        SslMode urlMode = url.map(BackendUrl::sslMode).orElse(null);
        String urlRootCert = url.map(BackendUrl::sslRootCert).orElse(null);
        for (String key : List.of("sslmode", "sslrootcert")) {
            if (section.has(key) && (key.equals("sslmode") ? urlMode != null : urlRootCert != null)) {
                reader.problem(section.value(key).orElseThrow(), section.pathOf(key) + " is set here and in the url (?" + key + "=...)",
                        "keep one of the two");
                return Optional.empty();
            }
        }
        SslMode sslMode = reader.parsed(section, "sslmode", SslMode::parse, "use one of " + SslMode.validNames())
                .orElse(urlMode != null ? urlMode : SslMode.DEFAULT);
        Node modeAt = section.value("sslmode").orElse(urlNode);
        String modePath = section.has("sslmode") ? section.pathOf("sslmode") : section.pathOf("url") + "'s sslmode";
        boolean rootGiven = section.has("sslrootcert") || urlRootCert != null;
        Node rootAt = section.value("sslrootcert").orElse(urlNode);
        String rootPath = section.has("sslrootcert") ? section.pathOf("sslrootcert") : section.pathOf("url") + "'s sslrootcert";
        Optional<Path> rootCert = section.has("sslrootcert") ? pemFile(section, "sslrootcert", true)
                : urlRootCert != null ? pemFile(urlNode, rootPath, urlRootCert, true) : Optional.empty();
        if (sslMode.verifiesCertificate() && !rootGiven) {
            reader.problem(modeAt, modePath + " is " + sslMode.configName()
                            + ", which checks the server's certificate against a CA, but there is no sslrootcert",
                    "add sslrootcert: FILE, the PEM file of the CA that signed the server's certificate");
            return Optional.empty();
        }
        if (!sslMode.verifiesCertificate() && rootGiven) {
            reader.problem(rootAt, rootPath + " is only used by sslmode "
                            + "verify-ca and verify-full, and sslmode is " + sslMode.configName()
                            + " (libpq would verify the CA then; pgsteer asks you to say so)",
                    "set sslmode: verify-full (or verify-ca), or remove sslrootcert");
            return Optional.empty();
        }
        if (rootCert.isEmpty() && rootGiven) {
            return Optional.empty();
        }
        return url.flatMap(u -> {
            BackendUrl login = u.withCredentials(user.orElse(u.user()), password.orElse(u.password()));
            if (login.user() == null) {
                reader.problem(section.value("url").orElseThrow(), "backend '" + name + "' has no user to log in as",
                        "put it in the url (postgresql://USER:PASSWORD@...) or add user: NAME");
                return Optional.empty();
            }
            return Optional.of(new BackendConfig(name, login, sslMode, rootCert.orElse(null)));
        });
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
        Optional<Path> cert = pemFile(tls, "cert", true);
        Optional<Path> key = pemFile(tls, "key", false);
        boolean required = reader.bool(tls, "required").orElse(false);
        return cert.isPresent() && key.isPresent() ? new TlsConfig(cert.get(), key.get(), required) : null;
    }

    /**
     * A PEM file named at {@code key}, relative to the configuration file's folder, read now so that a
     * missing or unreadable file is reported with its line rather than at the first connection:
     * certificates must parse, a key must be an unencrypted PEM private key.
     */
    private Optional<Path> pemFile(Section section, String key, boolean certificates) {
        return reader.text(section, key).flatMap(text -> pemFile(section.value(key).orElseThrow(), section.pathOf(key), text, certificates));
    }

    /** As above, for a file named elsewhere (a url's {@code ?sslrootcert=}); problems point at {@code at}. */
    private Optional<Path> pemFile(Node at, String path, String name, boolean certificates) {
        Path file;
        try {
            file = baseDirectory().resolve(name.strip()).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            reader.problem(at, path + ": '" + name + "' is not a file name (" + e.getMessage() + ")", "give the path of a PEM file");
            return Optional.empty();
        }
        String pem;
        try {
            pem = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.io.IOException | RuntimeException e) {
            reader.problem(at, path + ": cannot read " + file + " (" + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")",
                    "check the path (a relative one starts at the configuration file's folder) and that pgsteer may read it");
            return Optional.empty();
        }
        if (certificates) {
            try {
                var parsed = java.security.cert.CertificateFactory.getInstance("X.509")
                        .generateCertificates(new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                if (parsed.isEmpty()) {
                    throw new java.security.cert.CertificateException("no certificate in it");
                }
            } catch (java.security.cert.CertificateException e) {
                reader.problem(at, path + ": " + file + " is not a PEM certificate file (" + e.getMessage() + ")",
                        "give a file that starts with -----BEGIN CERTIFICATE-----");
                return Optional.empty();
            }
        } else if (pem.contains("ENCRYPTED")) {
            reader.problem(at, path + ": " + file + " is an encrypted private key, which pgsteer cannot unlock",
                    "decrypt it (openssl pkey -in " + file.getFileName() + " -out plain.key) and keep the file readable by pgsteer only");
            return Optional.empty();
        } else if (!pem.matches("(?s).*-----BEGIN [A-Z ]*PRIVATE KEY-----.*")) {
            reader.problem(at, path + ": " + file + " is not a PEM private key",
                    "give a file that starts with -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY)");
            return Optional.empty();
        }
        return Optional.of(file);
    }

    /** Relative file names in the configuration start at the folder of the configuration file. */
    private Path baseDirectory() {
        try {
            Path parent = Path.of(reader.source()).toAbsolutePath().getParent();
            return parent != null ? parent : Path.of("").toAbsolutePath();
        } catch (java.nio.file.InvalidPathException e) {
            return Path.of("").toAbsolutePath();
        }
    }

    private Map<String, DatabaseConfig> databases(Section top, Set<String> backendNames) {
        Map<String, DatabaseConfig> databases = new LinkedHashMap<>();
        ShardMapBinder shardMap = new ShardMapBinder(reader, backendNames, lines);
        required(top, "databases", "databases: { app: { shards: [main] } }").ifPresent(section ->
                section.entries().forEach((name, entry) -> {
                    if (ProxyConfig.ADMIN_DATABASE.equals(name)) {
                        reader.problem(entry.key(), "the database name '" + name + "' is reserved: clients that connect "
                                        + "to it get pgsteer's admin console",
                                "give this database another name (clients connect with that name); a backend database "
                                        + "called " + name + " stays reachable with backend_database: " + name);
                        return;
                    }
                    reader.section(entry.value(), section.pathOf(name), "{ shards: [main] }")
                            .flatMap(db -> database(name, db, shardMap))
                            .ifPresent(db -> databases.put(name, db));
                }));
        return databases;
    }

    private Optional<DatabaseConfig> database(String name, Section section, ShardMapBinder shardMap) {
        // A pool setting one level too high is a likely slip; point at where it belongs.
        reader.allowOnly(section, DATABASE_KEYS, key -> POOL_KEYS.contains(key)
                ? Optional.of("move it under pool:, like pool: { " + key + ": ... }")
                : Optional.empty());
        Optional<List<String>> shards = shardMap.shards(section);
        // The default shard and the tables are checked against the shards, so only once those are usable.
        Optional<String> defaultShard = shards.flatMap(list -> shardMap.defaultShard(section, list));
        Map<String, TableConfig> tables = shards.map(list -> shardMap.tables(section, list)).orElse(Map.of());
        if (DatabaseConfig.PASSTHROUGH.equals(name) && shards.isPresent()
                && (shards.get().size() > 1 || section.has("tables"))) {
            reader.problem(section.value(shards.get().size() > 1 ? "shards" : "tables").orElseThrow(),
                    "the passthrough entry \"*\" cannot be sharded: it relays every other database name to one backend",
                    "give \"*\" exactly one backend and no tables, and list the sharded database under its own name");
            return Optional.empty();
        }
        Optional<String> backendDatabase = reader.text(section, "backend_database");
        if (backendDatabase.isPresent() && DatabaseConfig.PASSTHROUGH.equals(name)) {
            reader.problem(section.value("backend_database").orElseThrow(),
                    "backend_database cannot be set on the passthrough entry \"*\": it always uses the name "
                            + "the client asked for", "remove it, or list that database under its own name");
        }
        PoolConfig pool = section.value("pool")
                .flatMap(node -> reader.section(node, section.pathOf("pool"), "pool: { mode: transaction, size: 20 }"))
                .map(this::pool)
                .orElse(PoolConfig.defaults());
        TenancyConfig tenants = tenancy.tenancy(section);
        if (tenants != null && section.has("tables")) {
            reader.problem(section.value("tables").orElseThrow(), "database '" + name + "' has both tenancy and tables: "
                            + "a tenant database routes each session by its tenant, not statements by a shard key",
                    "keep tenancy: and list the sharded tables in another database");
            return Optional.empty();
        }
        if (tenants != null && DatabaseConfig.PASSTHROUGH.equals(name)) {
            reader.problem(section.value("tenancy").orElseThrow(), "the passthrough entry \"*\" cannot have tenancy",
                    "list the tenant database under its own name");
            return Optional.empty();
        }
        return shards.flatMap(list -> defaultShard.map(first ->
                new DatabaseConfig(name, list, first, tables, backendDatabase.orElse(null), pool, tenants)));
    }

    private PoolConfig pool(Section section) {
        reader.allowOnly(section, POOL_KEYS);
        PoolConfig d = PoolConfig.defaults();
        PoolMode mode = reader.parsed(section, "mode", PoolMode::parse, "use one of " + PoolMode.validNames())
                .orElse(d.mode());
        int size = reader.integer(section, "size", 1).orElse(d.size());
        int minIdle = reader.integer(section, "min_idle", 0).orElse(d.minIdle());
        if (minIdle > size) {
            reader.problem(section.value("min_idle").orElseThrow(), section.pathOf("min_idle") + " (" + minIdle
                    + ") is larger than size (" + size + ")", "make min_idle at most size");
            minIdle = size;
        }
        return new PoolConfig(mode, size, minIdle,
                reader.duration(section, "acquire_timeout").orElse(d.acquireTimeout()),
                reader.duration(section, "idle_timeout").orElse(d.idleTimeout()),
                reader.duration(section, "max_lifetime").orElse(d.maxLifetime()));
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
        java.time.Duration slow = LoggingConfig.DEFAULT_SLOW_STATEMENT;
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

    /** A section the file must have: reported on the top-level mapping's line when absent, or when empty. */
    private Optional<Section> required(Section top, String key, String example) {
        Optional<Node> node = top.value(key);
        if (node.isEmpty()) {
            reader.problem(top.node(), key + " is missing", "add a section like " + example);
            return Optional.empty();
        }
        Optional<Section> section = reader.section(node.get(), key, example);
        section.filter(s -> s.entries().isEmpty())
                .ifPresent(s -> reader.problem(node.get(), key + " is empty", "add one, like " + example));
        return section;
    }
}
