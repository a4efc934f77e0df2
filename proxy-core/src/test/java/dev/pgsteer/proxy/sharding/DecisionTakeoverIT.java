package dev.pgsteer.proxy.sharding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.sharding.transaction.Gid;
import dev.pgsteer.proxy.sharding.transaction.TwoPhaseCommit;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.PgHash;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stateless instances: two pgsteer instances on one metadata store and two shards. Instance A stops
 * in the middle of several two-shard commits (half after PREPARE, half after the decision is durable
 * in the store) and is then stopped for good, never restarted. While A still renews its lease, B
 * leaves its transactions alone; once A's lease has run out, B ends it and finishes every one of them:
 * committed on both shards where A had decided, rolled back on both where it had not.
 */
class DecisionTakeoverIT {
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);
    private static final int TRANSACTIONS = 6;
    private static EmbeddedBackend meta;
    private static final List<EmbeddedBackend> shards = new ArrayList<>();

    @BeforeAll
    static void start() throws SQLException {
        meta = EmbeddedBackend.start();
        shards.add(EmbeddedBackend.shard());
        shards.add(EmbeddedBackend.shard());
        for (EmbeddedBackend shard : shards) {
            try (Connection c = shard.direct(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, balance int)");
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (EmbeddedBackend shard : shards) {
            shard.close();
        }
        meta.close();
    }

    @Test
    void aLiveInstanceFinishesEveryTransactionOfOneThatIsGoneAndBothShardsAgree() throws Exception {
        PgSteerServer a = new PgSteerServer(ConfigLoader.parse(yaml(), "a.yaml", Map.of())).start();
        PgSteerServer b = new PgSteerServer(ConfigLoader.parse(yaml(), "b.yaml", Map.of())).start();
        ExecutorService clients = Executors.newFixedThreadPool(TRANSACTIONS);
        boolean aStopped = false;
        try {
            String nodeA = twoPhaseCommit(a).decisions().node();
            String nodeB = twoPhaseCommit(b).decisions().node();
            AtomicInteger prepared = new AtomicInteger();
            // Every other commit stops after PREPARE (no decision), the others once their decision is durable.
            twoPhaseCommit(a).freezeAt(step -> step == TwoPhaseCommit.Step.DECIDED || prepared.getAndIncrement() % 2 == 0);

            List<long[]> pairs = new ArrayList<>();
            List<Future<?>> commits = new ArrayList<>();
            for (int i = 0; i < TRANSACTIONS; i++) {
                long[] pair = pairOnTwoShards(1000L * (i + 1));
                pairs.add(pair);
                commits.add(clients.submit(() -> transfer(a, pair)));
            }
            awaitTrue("every transaction prepared on both shards", Duration.ofSeconds(20),
                    () -> prepared(0) == TRANSACTIONS && prepared(1) == TRANSACTIONS);
            awaitTrue("the decided half recorded in the store", Duration.ofSeconds(10), () -> decisions() == TRANSACTIONS / 2);

            // A is alive (it renews its lease): B must leave its transactions alone, however long they stay prepared.
            Thread.sleep(NODE_TIMEOUT.multipliedBy(2).toMillis());
            assertEquals(List.of(TRANSACTIONS, TRANSACTIONS), List.of(prepared(0), prepared(1)), "nothing of a live node resolved");
            assertEquals("live", metaText("SELECT state FROM pgsteer.nodes WHERE node = '" + nodeA + "'"));

            long stoppedAt = System.nanoTime();
            a.close();
            aStopped = true;
            for (Future<?> commit : commits) {
                commit.get(30, TimeUnit.SECONDS);
            }

            awaitTrue("B finished every transaction A left", Duration.ofSeconds(20), () -> prepared(0) == 0 && prepared(1) == 0);
            long tookMs = (System.nanoTime() - stoppedAt) / 1_000_000;
            System.out.println("DecisionTakeoverIT: A's transactions finished by B " + tookMs + " ms after A stopped");
            // A's last renewal was up to a third of the lease before it stopped: its lease ran out that much sooner.
            assertTrue(tookMs >= NODE_TIMEOUT.toMillis() / 2, "not before A's lease ran out, " + tookMs + " ms");
            assertEquals("ended by " + nodeB, metaText("SELECT 'ended by ' || ended_by FROM pgsteer.nodes WHERE node = '" + nodeA + "'"));

            int committed = 0;
            for (long[] pair : pairs) {
                boolean first = exists(0, pair[0]);
                boolean second = exists(1, pair[1]);
                assertEquals(first, second, "both shards agree on the transaction of ids " + pair[0] + " and " + pair[1]);
                committed += first ? 1 : 0;
            }
            assertEquals(TRANSACTIONS / 2, committed, "committed exactly where A had decided");

            // B itself commits across shards as before, and A's node goes once nothing of it is left.
            transferOrFail(b, pairOnTwoShards(99_000));
            awaitTrue("A forgotten with its decisions", Duration.ofSeconds(20),
                    () -> metaInt("SELECT count(*) FROM pgsteer.nodes WHERE node = '" + nodeA + "'") == 0);
            awaitTrue("no decision left", Duration.ofSeconds(5), () -> decisions() == 0);
        } finally {
            clients.shutdownNow();
            if (!aStopped) {
                a.close();
            }
            b.close();
        }
    }

    /**
     * A live instance's own transactions left prepared (here: stopped after PREPARE, and after the
     * decision, then handed to the instance as unfinished, as a failed COMMIT PREPARED or an unknown
     * outcome hands them): its next beat settles each in the store and finishes it on both shards.
     */
    @Test
    void aLiveInstanceFinishesItsOwnUnfinishedTransactionsOnItsNextBeat() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try (PgSteerServer c = new PgSteerServer(ConfigLoader.parse(yaml(), "c.yaml", Map.of())).start()) {
            TwoPhaseCommit twoPhase = twoPhaseCommit(c);
            String node = twoPhase.decisions().node();
            AtomicInteger prepared = new AtomicInteger();
            twoPhase.freezeAt(step -> step == TwoPhaseCommit.Step.DECIDED || prepared.getAndIncrement() == 0);
            long[] undecided = pairOnTwoShards(200_000);
            long[] decided = pairOnTwoShards(300_000);
            clients.submit(() -> transfer(c, undecided));
            awaitTrue("the first prepared", Duration.ofSeconds(10), () -> prepared(0) == 1 && prepared(1) == 1);
            clients.submit(() -> transfer(c, decided));
            awaitTrue("the second prepared and decided", Duration.ofSeconds(10),
                    () -> prepared(0) == 2 && prepared(1) == 2 && decisions() == 1);

            for (String name : preparedNames(0)) {
                Gid gid = Gid.parse(name).orElseThrow();
                assertEquals(node, gid.node());
                twoPhase.decisions().unfinished(gid);
            }

            awaitTrue("both finished by the instance itself", Duration.ofSeconds(10), () -> prepared(0) == 0 && prepared(1) == 0);
            assertEquals(List.of(false, false), List.of(exists(0, undecided[0]), exists(1, undecided[1])), "no decision: rolled back");
            assertEquals(List.of(true, true), List.of(exists(0, decided[0]), exists(1, decided[1])), "decided: committed");
            awaitTrue("their decisions removed", Duration.ofSeconds(5), () -> metaInt(
                    "SELECT count(*) FROM pgsteer.decisions WHERE node = '" + node + "'") == 0);
            assertEquals("live", metaText("SELECT state FROM pgsteer.nodes WHERE node = '" + node + "'"));
        } finally {
            clients.shutdownNow();
        }
    }

    private static List<String> preparedNames(int shard) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = shards.get(shard).direct(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static TwoPhaseCommit twoPhaseCommit(PgSteerServer server) {
        return server.context().snapshot().sharded().get("bank").twoPhaseCommit();
    }

    /** A two-shard transaction through A; its COMMIT never answers while A is frozen, and fails when A stops. */
    private static Void transfer(PgSteerServer proxy, long[] pair) {
        try {
            transferOrFail(proxy, pair);
        } catch (SQLException e) {
            // Expected: the instance stopped during the COMMIT.
        }
        return null;
    }

    private static void transferOrFail(PgSteerServer proxy, long[] pair) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.address().getPort()
                + "/bank?socketTimeout=60", "app", "app-secret"); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO accounts (id, balance) VALUES (" + pair[0] + ", 100)");
            s.executeUpdate("INSERT INTO accounts (id, balance) VALUES (" + pair[1] + ", 100)");
            c.commit();
        }
    }

    /** Two ids from {@code from} on: the first on shard a, the second on shard b. */
    private static long[] pairOnTwoShards(long from) {
        long first = from;
        while (shardOf(first) != 0) {
            first++;
        }
        long second = first + 1;
        while (shardOf(second) != 1) {
            second++;
        }
        return new long[] {first, second};
    }

    private static int shardOf(long id) {
        return PgHash.remainder(KeyValue.ofText(KeyType.INTEGER, Long.toString(id)), 2);
    }

    private static int prepared(int shard) {
        return count(shard, "SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()");
    }

    private static boolean exists(int shard, long id) {
        return count(shard, "SELECT count(*) FROM accounts WHERE id = " + id) == 1;
    }

    private static int count(int shard, String query) {
        try (Connection c = shards.get(shard).direct(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int decisions() {
        return metaInt("SELECT count(*) FROM pgsteer.decisions");
    }

    private static int metaInt(String query) {
        return Integer.parseInt(metaText(query));
    }

    private static String metaText(String query) {
        try (Connection c = meta.direct(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitTrue(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    private static String yaml() {
        return """
                listen: 127.0.0.1:0
                http: off
                users:
                  app: { password: app-secret }
                backends:
                  a: { url: "%s" }
                  b: { url: "%s" }
                databases:
                  bank:
                    shards: [a, b]
                    tables:
                      accounts: { key: id, function: hash }
                metadata_store: { url: "%s", node_timeout: %dms }
                """.formatted(shards.get(0).url(), shards.get(1).url(), meta.url(), NODE_TIMEOUT.toMillis());
    }
}
