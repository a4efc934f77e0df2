package dev.pgsteer.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.MetadataStoreConfig;
import dev.pgsteer.config.TenantConfig;
import dev.pgsteer.config.TenantDirectory;
import dev.pgsteer.config.TenantMode;
import dev.pgsteer.config.TenantState;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store against a real PostgreSQL. Each test keeps its directory in a schema of its own, so
 * tests do not see each other's tenants; the outage test stops and restarts the server on the same
 * data directory and port, as an operator's restart would.
 */
class PostgresMetadataStoreIT {

    @TempDir
    static Path data;
    private static int port;
    private static EmbeddedPostgres postgres;

    private final List<MetadataStore> opened = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        startServer();
        sql("postgres", "CREATE DATABASE meta");
    }

    private static void startServer() throws IOException {
        postgres = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("listen_addresses", "127.0.0.1").start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @AfterEach
    void closeStores() {
        opened.forEach(MetadataStore::close);
    }

    private static void sql(String database, String statements) throws SQLException {
        try (Connection c = superuser(database); Statement st = c.createStatement()) {
            st.execute(statements);
        }
    }

    private static Connection superuser(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, "postgres", "");
    }

    private static MetadataStoreConfig config(String schema) {
        return new MetadataStoreConfig(BackendUrl.parse("postgresql://postgres@127.0.0.1:" + port + "/meta"), schema);
    }

    private PostgresMetadataStore open(MetadataStoreConfig config, TenantConfig... boot) {
        Map<String, TenantConfig> tenants = new LinkedHashMap<>();
        for (TenantConfig t : boot) {
            tenants.put(t.id(), t);
        }
        PostgresMetadataStore store = PostgresMetadataStore.open(config, TenantDirectory.of(tenants));
        synchronized (opened) {
            opened.add(store);
        }
        return store;
    }

    private static TenantConfig tenant(String id) {
        return new TenantConfig(id, "saas", TenantMode.SCHEMA, "s0", null, null, null, null, TenantState.ACTIVE, 0);
    }

    private static List<List<Object>> rows(String query) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = superuser("meta"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The first delivered directory that matches, waiting at most {@code within}. */
    private static TenantDirectory next(BlockingQueue<TenantDirectory> deliveries, Duration within,
                                        Predicate<TenantDirectory> matching) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            TenantDirectory d = deliveries.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (d == null) {
                throw new AssertionError("no matching directory delivered within " + within);
            }
            if (matching.test(d)) {
                return d;
            }
        }
    }

    @Test
    void theFirstOpenCreatesTheSchemaAndLaterOpensDoNotMigrateAgain() throws Exception {
        MetadataStoreConfig config = config("first_open");

        open(config).close();
        PostgresMetadataStore again = open(config);

        assertEquals(List.of(List.of(1, "tenants"), List.of(2, "two phase commit"), List.of(3, "bucket maps"),
                List.of(4, "directory keys"), List.of(5, "shards"), List.of(6, "moves"),
                List.of(7, "move queue"), List.of(8, "tenant moves")),
                rows("SELECT version, description FROM first_open.schema_version ORDER BY version"));
        assertEquals(List.of(List.of(0L)), rows("SELECT version FROM first_open.directory_version"));
        assertEquals(TenantDirectory.EMPTY, again.load());
        assertEquals("postgresql://127.0.0.1:" + port + "/meta (schema first_open)", again.describe());
        assertTrue(again.durable());
        assertTrue(again.reachable());
    }

    @Test
    void aSchemaNameIsQuotedNotSpliced() throws Exception {
        PostgresMetadataStore store = open(config("Odd \"schema\"; --"));

        store.create(tenant("acme"));

        assertEquals(List.of(List.of("acme")), rows("SELECT id FROM \"Odd \"\"schema\"\"; --\".tenants"));
    }

    @Test
    void twoProxiesStartingTogetherBothWork() throws Exception {
        MetadataStoreConfig config = config("together");
        CountDownLatch ready = new CountDownLatch(2);
        Callable<PostgresMetadataStore> opening = () -> {
            ready.countDown();
            ready.await();
            return open(config, tenant("acme"), tenant("globex"));
        };
        ExecutorService two = Executors.newFixedThreadPool(2);
        List<Future<PostgresMetadataStore>> both;
        try {
            both = two.invokeAll(List.of(opening, opening));
        } finally {
            two.shutdown();
        }
        PostgresMetadataStore a = both.get(0).get();
        PostgresMetadataStore b = both.get(1).get();

        assertEquals(List.of(List.of(1), List.of(2), List.of(3), List.of(4), List.of(5), List.of(6), List.of(7), List.of(8)),
                rows("SELECT version FROM together.schema_version ORDER BY version"));
        assertEquals(a.load(), b.load());
        assertEquals(List.of("acme", "globex"), List.copyOf(a.load().tenants().keySet()));
        assertEquals(1, a.load().version(), "the boot tenants were added once, at one version");
        TenantConfig created = b.create(tenant("initech"));
        assertEquals(2, created.version());
        assertEquals(created, a.load().get("initech").orElseThrow());
    }

    @Test
    void bootTenantsAreAddedWhenAbsentAndTheStoresRowsWin() throws Exception {
        MetadataStoreConfig config = config("boot");
        PostgresMetadataStore first = open(config, tenant("acme"), tenant("globex"));
        TenantConfig readOnly = first.update(tenant("acme").withState(TenantState.READ_ONLY, 0));
        first.close();

        PostgresMetadataStore second = open(config, tenant("acme"), tenant("globex"), tenant("initech"));

        TenantDirectory directory = second.load();
        assertEquals(List.of("acme", "globex", "initech"), List.copyOf(directory.tenants().keySet()));
        assertEquals(readOnly, directory.get("acme").orElseThrow(), "the file's acme does not overwrite the store's");
        assertEquals(1, directory.get("globex").orElseThrow().version());
        assertEquals(3, directory.get("initech").orElseThrow().version());
        assertEquals(3, directory.version());

        PostgresMetadataStore third = open(config, tenant("acme"), tenant("globex"), tenant("initech"));
        assertEquals(directory, third.load(), "nothing new to add: the version stays");
    }

    @Test
    void createUpdateAndDeleteRoundTripWithGrowingVersions() {
        PostgresMetadataStore store = open(config("round_trip"));
        TenantConfig acme = new TenantConfig("acme", "saas", TenantMode.SCHEMA, "s0", "acme_data", null, "acme",
                "acme-pw", TenantState.ACTIVE, 0);
        TenantConfig initech = new TenantConfig("initech", "saas", TenantMode.DATABASE, "s1", null, "initech_db", null,
                null, TenantState.ACTIVE, 0);

        TenantConfig created = store.create(acme);
        TenantConfig other = store.create(initech);
        assertEquals(acme.withVersion(1), created);
        assertEquals(initech.withVersion(2), other);
        assertEquals(new TenantDirectory(Map.of("acme", created, "initech", other), 2), store.load());

        TenantConfig moved = store.update(new TenantConfig("acme", "saas", TenantMode.SHARED, "s1", null, null, "acme",
                "acme-pw", TenantState.MOVING, 0));
        assertEquals(3, moved.version());
        assertEquals(moved, store.load().get("acme").orElseThrow());
        assertEquals("s1/shared", store.load().get("acme").orElseThrow().target());

        assertTrue(store.delete("initech"));
        assertFalse(store.delete("initech"), "gone already");
        TenantDirectory after = store.load();
        assertEquals(List.of("acme"), List.copyOf(after.tenants().keySet()));
        assertEquals(4, after.version(), "a deletion moves the directory's version too");

        IllegalArgumentException absent = assertThrows(IllegalArgumentException.class,
                () -> store.update(tenant("nobody")));
        assertEquals("no tenant nobody", absent.getMessage());
        assertEquals(4, store.load().version(), "a refused change leaves the version alone");
    }

    @Test
    void creatingATakenIdIsRefused() {
        PostgresMetadataStore store = open(config("duplicate"), tenant("acme"));

        TenantExistsException e = assertThrows(TenantExistsException.class, () -> store.create(tenant("acme")));

        assertEquals("tenant acme already exists", e.getMessage());
        assertEquals(1, store.load().version());
        assertTrue(store.reachable(), "a refusal is not an outage");
    }

    @Test
    void aTenantCreatedThroughOneInstanceReachesAnotherWithinASecond() throws Exception {
        MetadataStoreConfig config = config("follow");
        PostgresMetadataStore a = open(config);
        PostgresMetadataStore b = open(config);
        BlockingQueue<TenantDirectory> deliveries = new LinkedBlockingQueue<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        b.follow(d -> {
            threads.add(Thread.currentThread().getName());
            deliveries.add(d);
        });
        a.create(tenant("warmup"));
        next(deliveries, Duration.ofSeconds(10), d -> d.get("warmup").isPresent());

        long start = System.nanoTime();
        TenantConfig acme = a.create(tenant("acme"));
        TenantDirectory delivered = next(deliveries, Duration.ofSeconds(5), d -> d.get("acme").isPresent());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertTrue(took.compareTo(Duration.ofSeconds(1)) < 0, "delivered after " + took.toMillis() + " ms");
        assertEquals(acme, delivered.get("acme").orElseThrow());
        assertEquals(acme.version(), delivered.version());
        assertEquals("pgsteer-metadata-listener", threads.getFirst());
        assertTrue(b.lag().orElseThrow().compareTo(Duration.ofSeconds(1)) < 0, b.lag().toString());

        assertTrue(a.delete("warmup"));
        TenantDirectory withoutWarmup = next(deliveries, Duration.ofSeconds(5), d -> d.get("warmup").isEmpty());
        assertEquals(a.load(), withoutWarmup);
    }

    @Test
    void aBurstOfChangesArrivesInOrderAndEndsWhereTheStoreIs() throws Exception {
        MetadataStoreConfig config = config("burst");
        PostgresMetadataStore a = open(config);
        PostgresMetadataStore b = open(config);
        BlockingQueue<TenantDirectory> deliveries = new LinkedBlockingQueue<>();
        b.follow(deliveries::add);

        for (int i = 0; i < 50; i++) {
            a.create(tenant("t" + i));
        }

        List<TenantDirectory> received = new ArrayList<>();
        do {
            received.add(next(deliveries, Duration.ofSeconds(10), d -> true));
        } while (received.getLast().tenants().size() < 50);

        assertEquals(a.load(), received.getLast());
        for (int i = 1; i < received.size(); i++) {
            assertTrue(received.get(i).version() > received.get(i - 1).version(), "versions only grow");
        }
        assertTrue(received.size() <= 50, received.size() + " deliveries for 50 changes");
        Thread.sleep(300);
        assertEquals(List.of(), List.copyOf(deliveries), "nothing after the directory that has them all");
    }

    @Test
    void anUnreachableStoreFailsTheOpenWithWhereAndWhy() {
        MetadataStoreConfig config = new MetadataStoreConfig(
                BackendUrl.parse("postgresql://meta:s3cret@127.0.0.1:1/meta"), "pgsteer");

        MetadataStoreException e = assertThrows(MetadataStoreException.class,
                () -> PostgresMetadataStore.open(config, TenantDirectory.EMPTY));

        assertTrue(e.getMessage().startsWith("metadata store postgresql://127.0.0.1:1/meta (schema pgsteer): cannot "
                + "prepare schema pgsteer: "), e.getMessage());
        assertTrue(e.getMessage().contains("Connection to 127.0.0.1:1 refused"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; check that PostgreSQL runs there and accepts connections from this proxy"),
                e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void anOutageIsReportedAndTheFollowerCatchesUpByItself() throws Exception {
        // A login of its own, so the test can keep the listener out after the restart until a change
        // has been made that no notification announces: only the reload on reconnecting can find it.
        sql("postgres", "CREATE ROLE store_user LOGIN");
        sql("postgres", "CREATE DATABASE outage OWNER store_user");
        MetadataStoreConfig config = new MetadataStoreConfig(
                BackendUrl.parse("postgresql://store_user:s3cret@127.0.0.1:" + port + "/outage"), "pgsteer");
        PostgresMetadataStore store = open(config, tenant("acme"));
        BlockingQueue<TenantDirectory> deliveries = new LinkedBlockingQueue<>();
        store.follow(deliveries::add);
        store.create(tenant("before"));
        TenantDirectory last = next(deliveries, Duration.ofSeconds(10), d -> d.get("before").isPresent());
        sql("postgres", "ALTER ROLE store_user NOLOGIN");   // open sessions stay; new logins are refused

        postgres.close();

        await("reachable() turns false", Duration.ofSeconds(10), () -> !store.reachable());
        MetadataStoreException loading = assertThrows(MetadataStoreException.class, store::load);
        assertTrue(loading.getMessage().startsWith("metadata store postgresql://127.0.0.1:" + port
                + "/outage (schema pgsteer): cannot load the tenant directory: "), loading.getMessage());
        MetadataStoreException creating = assertThrows(MetadataStoreException.class,
                () -> store.create(tenant("during")));
        assertTrue(creating.getMessage().contains("cannot create tenant during"), creating.getMessage());
        assertFalse(creating.getMessage().contains("s3cret"), creating.getMessage());
        assertFalse(store.reachable());
        assertEquals(List.of("acme", "before"), List.copyOf(last.tenants().keySet()), "the last directory stays usable");

        startServer();
        try (Connection c = superuser("outage"); Statement st = c.createStatement()) {
            st.execute("""
                    UPDATE pgsteer.directory_version SET version = version + 1;
                    INSERT INTO pgsteer.tenants (id, database, mode, shard, version)
                        SELECT 'missed', 'saas', 'shared', 's1', version FROM pgsteer.directory_version;
                    """);
        }
        assertFalse(store.reachable(), "the listener cannot log in yet");
        sql("postgres", "ALTER ROLE store_user LOGIN");

        TenantDirectory caughtUp = next(deliveries, Duration.ofSeconds(15), d -> d.get("missed").isPresent());
        assertEquals(List.of("acme", "before", "missed"), List.copyOf(caughtUp.tenants().keySet()));
        await("reachable() turns true", Duration.ofSeconds(5), store::reachable);
        assertEquals(caughtUp, store.load());
        assertNotNull(store.create(tenant("after")));
        assertTrue(next(deliveries, Duration.ofSeconds(5), d -> d.get("after").isPresent()).get("missed").isPresent());
    }

    @Test
    void aPlanIsQueuedWholeAndItsMovesStartOneAfterAnotherByTheirOwner() throws Exception {
        PostgresMetadataStore store = open(config("queue"));
        MoveStore moves = store.moves().orElseThrow();
        sql("meta", "INSERT INTO queue.nodes (node, lease) VALUES ('n1', '1 hour'), ('n2', '1 hour')");
        List<String> orders = List.of("orders", "items");
        List<MoveRecord> drafts = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            drafts.add(MoveRecord.draft("shop", orders, List.of("customer_id", "customer_id"), null, 4, r, "s0", "s2"));
        }
        drafts.add(MoveRecord.draft("shop", List.of("events"), List.of("id"), null, 2, 0, "s0", "s3"));
        List<MoveRecord> made = moves.enqueue(drafts, "n1");
        assertEquals(List.of("checking", "queued", "queued", "queued", "checking"), made.stream().map(MoveRecord::phase).toList());

        // A group with an unfinished move (queued ones count) takes no other plan, nor a single move: nothing recorded.
        assertThrows(MoveConflictException.class, () -> moves.enqueue(List.of(drafts.get(4)), "n2"));
        assertThrows(MoveConflictException.class, () -> moves.create(drafts.get(1), "n2"));
        assertEquals(List.of(List.of(5L)), rows("SELECT count(*) FROM queue.moves"));

        // The running move of the group holds the queue; a queued move cancelled leaves it.
        assertEquals(List.of(), moves.startQueued("n1"));
        assertTrue(moves.cancelQueued(made.get(1).id()));
        assertFalse(moves.cancelQueued(made.get(0).id()), "a running move is cancelled by its mover, not here");
        assertEquals("cancelled", moves.get(made.get(1).id()).orElseThrow().phase());

        // Its owner starts the next once the running one is finished, whichever way; another instance does not.
        assertTrue(moves.set(made.get(0).id(), "n1", MoveStore.Field.PHASE, "failed"));
        assertEquals(List.of(), moves.startQueued("n2"));
        List<MoveRecord> started = moves.startQueued("n1");
        assertEquals(List.of(made.get(2).id()), started.stream().map(MoveRecord::id).toList());
        assertEquals("checking", started.getFirst().phase());
        assertEquals(List.of(), moves.startQueued("n1"));

        // Its owner gone, the plan is another's: the running move and the queued one alike.
        sql("meta", "UPDATE queue.nodes SET state = 'ended' WHERE node = 'n1'");
        List<MoveRecord> adopted = moves.adoptOrphans("n2");
        assertEquals(List.of(made.get(2).id(), made.get(3).id(), made.get(4).id()), adopted.stream().map(MoveRecord::id).sorted().toList());
        assertTrue(moves.set(made.get(2).id(), "n2", MoveStore.Field.PHASE, "done"));
        assertEquals(List.of(made.get(3).id()), moves.startQueued("n2").stream().map(MoveRecord::id).toList());
        assertEquals(List.of(), moves.startQueued("n2"));
    }
}
