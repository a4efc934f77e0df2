package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.Pgjdbc;
import dev.pgsteer.proxy.testkit.ProxyConfigs;
import dev.pgsteer.proxy.testkit.RestartableBackend;
import dev.pgsteer.router.shard.KeyValue;
import dev.pgsteer.router.shard.PgHash;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The backend stopped as {@code pg_ctl stop -m immediate} does, under writers through pgsteer: every
 * client hears within a second (an answer or an error, never silence), logins during the outage fail
 * at once with 08006, the pool serves again within a second of the restart, and no write whose commit
 * was acknowledged is lost. Every pgjdbc connection has a socket timeout, so a hang fails the test as
 * a slow operation instead of hanging it.
 */
class BackendDeathIT {
    /** What the issue asks: each client hears within this long of the stop. */
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int WRITERS = 8;

    /** One call a client made through pgsteer: when it started and ended, and its SQLSTATE if it failed. */
    record Op(String who, String what, long start, long end, String sqlState, String message) {
        boolean failed() {
            return sqlState != null;
        }

        /** How long after {@code since} (or after its own start, if later) it ended. */
        long heardAfter(long since) {
            return end - Math.max(start, since);
        }

        @Override
        public String toString() {
            return who + " " + what + (failed() ? " -> " + sqlState : " -> ok") + " in " + millis(end - start) + " ms";
        }
    }

    /** A client call through pgsteer that may fail. */
    interface Call<T> {
        T run() throws SQLException;
    }

    /** Every call's outcome, for the bounds checked at the end. */
    private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();

    private <T> T timed(String who, String what, Call<T> call) throws SQLException {
        long start = System.nanoTime();
        try {
            T result = call.run();
            ops.add(new Op(who, what, start, System.nanoTime(), null, null));
            return result;
        } catch (SQLException e) {
            ops.add(new Op(who, what, start, System.nanoTime(), String.valueOf(e.getSQLState()), e.getMessage()));
            throw e;
        }
    }

    /** A call whose outcome is the point: recorded and returned, never thrown. */
    private Op attempt(String who, String what, Call<?> call) {
        long start = System.nanoTime();
        Op op;
        try {
            Object result = call.run();
            if (result instanceof AutoCloseable closeable) {
                closeable.close();
            }
            op = new Op(who, what, start, System.nanoTime(), null, null);
        } catch (SQLException e) {
            op = new Op(who, what, start, System.nanoTime(), String.valueOf(e.getSQLState()), e.getMessage());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        ops.add(op);
        return op;
    }

    static Connection connect(PgSteerServer proxy, String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", EmbeddedBackend.USER);
        props.setProperty("password", EmbeddedBackend.PASSWORD);
        // Seconds: far past the bound, so that a hang shows as a slow call rather than as a stuck build.
        props.setProperty("socketTimeout", "10");
        props.setProperty("connectTimeout", "10");
        props.setProperty("loginTimeout", "10");
        return DriverManager.getConnection(Pgjdbc.url(proxy, database), props);
    }

    private static PgSteerServer proxyInFront(RestartableBackend backend) throws InterruptedException {
        return new PgSteerServer(ProxyConfigs.inFrontOf(backend.url(),
                "appdb: { shards: [main], pool: { mode: transaction, size: 3, acquire_timeout: 10s } }")).start();
    }

    @Test
    void writersHearWithinASecondOfAnImmediateStopAndNoAcknowledgedWriteIsLost() throws Exception {
        try (RestartableBackend backend = RestartableBackend.start()) {
            try (Connection c = backend.direct(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ledger (writer int, seq int, PRIMARY KEY (writer, seq))");
            }
            try (PgSteerServer proxy = proxyInFront(backend)) {
                runWritersThroughAStopAndARestart(backend, proxy);
            }
        }
    }

    private void runWritersThroughAStopAndARestart(RestartableBackend backend, PgSteerServer proxy) throws Exception {
        Set<List<Integer>> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        // A thread each: the common pool has one thread on a two-core machine, and the writers must write at once.
        ExecutorService threads = Executors.newFixedThreadPool(WRITERS + 1);
        for (int i = 0; i < WRITERS; i++) {
            int writer = i;
            // Half write in autocommit, half in explicit transactions of two rows each.
            writers.add(CompletableFuture.runAsync(() -> write(proxy, writer, writer % 2 == 1, acknowledged, stop), threads));
        }
        Thread.sleep(1500);
        // A statement running at the stop: it holds a connection, and must hear at once, not after its sleep.
        Connection sleeperConnection = connect(proxy, "appdb");
        CompletableFuture<Op> sleeper = CompletableFuture.supplyAsync(() -> attempt("sleeper", "pg_sleep",
                () -> sleeperConnection.createStatement().execute("SELECT pg_sleep(30)")), threads);
        awaitRunning(backend, "SELECT pg_sleep(30)");

        long stopped = System.nanoTime();
        backend.stopImmediately();
        long postmasterGone = System.nanoTime();

        // Logins during the outage: each fails at once, with 08006 naming the backend.
        List<Op> outageLogins = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            outageLogins.add(attempt("outage-login", "login", () -> connect(proxy, "appdb")));
            Thread.sleep(100);
        }
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(stopped + TimeUnit.SECONDS.toNanos(2) - System.nanoTime())));

        long restartCalled = System.nanoTime();
        backend.restart();
        long ready = System.nanoTime();

        // The first client after the restart is served at once: no dead connection handed out, no slot still taken.
        try (Connection fresh = timed("fresh", "login", () -> connect(proxy, "appdb"));
             ResultSet rs = timed("fresh", "select", () -> fresh.createStatement().executeQuery("SELECT 1"))) {
            assertTrue(rs.next());
        }
        long freshServed = System.nanoTime();

        Thread.sleep(1500);
        stop.set(true);
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        Op sleep = sleeper.get(60, TimeUnit.SECONDS);
        closeQuietly(sleeperConnection);
        threads.shutdown();

        Set<List<Integer>> stored = new HashSet<>();
        try (Connection c = backend.direct(); ResultSet rs = c.createStatement().executeQuery("SELECT writer, seq FROM ledger")) {
            while (rs.next()) {
                stored.add(List.of(rs.getInt(1), rs.getInt(2)));
            }
        }

        // Measured, for the record, before the assertions that may fail on them.
        List<Op> duringOutage = ops.stream().filter(op -> op.end > stopped && op.start < ready).toList();
        long slowest = duringOutage.stream().mapToLong(op -> op.heardAfter(stopped)).max().orElse(0);
        Map<String, Integer> outcomes = new TreeMap<>();
        duringOutage.forEach(op -> outcomes.merge(op.what + " " + (op.failed() ? op.sqlState : "ok"), 1, Integer::sum));
        Map<String, Long> firstSuccessAfterRestart = new TreeMap<>();
        ops.stream().filter(op -> !op.failed() && op.start >= ready)
                .forEach(op -> firstSuccessAfterRestart.merge(op.who, op.end - ready, Math::min));
        System.out.printf("BackendDeathIT: postmaster gone %d ms after SIGQUIT; %d calls overlapped the outage, slowest heard %d ms"
                        + " after the stop (or its own start); sleeper heard %d ms after the stop (%s); outage logins %s ms;"
                        + " restart took %d ms; fresh client served %d ms after ready; first success after ready per client (ms) %s;"
                        + " outcomes %s; %d writes acknowledged, %d rows stored%n",
                millis(postmasterGone - stopped), duringOutage.size(), millis(slowest), millis(sleep.heardAfter(stopped)), sleep.sqlState,
                outageLogins.stream().map(op -> millis(op.end - op.start)).toList(), millis(ready - restartCalled),
                millis(freshServed - ready), firstSuccessAfterRestart.entrySet().stream()
                        .map(e -> e.getKey() + "=" + millis(e.getValue())).toList(),
                outcomes, acknowledged.size(), stored.size());

        for (Op login : outageLogins) {
            assertEquals("08006", login.sqlState, login.toString());
            assertTrue(login.message.contains("\"main\""), login.message);
        }
        List<Op> slow = duringOutage.stream().filter(op -> op.heardAfter(stopped) > BOUND_NANOS).toList();
        assertTrue(slow.isEmpty(), "calls that heard nothing for over a second after the stop: " + slow);
        assertTrue(sleep.failed() && sleep.heardAfter(stopped) <= BOUND_NANOS, "the statement running at the stop: " + sleep);
        assertTrue(outageLogins.stream().allMatch(op -> op.end - op.start <= BOUND_NANOS), "outage logins: " + outageLogins);
        assertFalse(ops.stream().anyMatch(op -> "53300".equals(op.sqlState)), "no one waited out the acquire timeout: " + ops);
        assertTrue(freshServed - ready <= BOUND_NANOS, "the first client after the restart waited " + millis(freshServed - ready) + " ms");
        assertTrue(firstSuccessAfterRestart.keySet().containsAll(writerNames()), "every writer wrote again: " + firstSuccessAfterRestart);
        Set<List<Integer>> lost = new HashSet<>(acknowledged);
        lost.removeAll(stored);
        assertTrue(lost.isEmpty(), "acknowledged writes missing after the restart: " + lost);
        assertTrue(acknowledged.size() > WRITERS, "the writers wrote: " + acknowledged.size());
    }

    private static List<String> writerNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            names.add("writer-" + i);
        }
        return names;
    }

    /**
     * Inserts rows (writer, seq) until told to stop, recording each acknowledged one: an autocommit
     * insert that returned, or both rows of a transaction whose COMMIT returned. A failure drops the
     * connection if pgsteer closed it, and the writer logs in again after a pause.
     */
    private void write(PgSteerServer proxy, int writer, boolean transactions, Set<List<Integer>> acknowledged, AtomicBoolean stop) {
        String who = "writer-" + writer;
        int seq = 0;
        Connection c = null;
        while (!stop.get()) {
            try {
                if (c == null) {
                    c = timed(who, "login", () -> connect(proxy, "appdb"));
                    c.setAutoCommit(!transactions);
                }
                Connection connection = c;
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO ledger VALUES (?, ?)")) {
                    int first = ++seq;
                    insert.setInt(1, writer);
                    insert.setInt(2, first);
                    timed(who, transactions ? "insert in transaction" : "insert", insert::executeUpdate);
                    if (!transactions) {
                        acknowledged.add(List.of(writer, first));
                        continue;
                    }
                    // Held open a little, so that some transactions are open when the backend dies.
                    Thread.sleep(ThreadLocalRandom.current().nextInt(15));
                    int second = ++seq;
                    insert.setInt(2, second);
                    timed(who, "insert in transaction", insert::executeUpdate);
                    timed(who, "commit", () -> {
                        connection.commit();
                        return null;
                    });
                    acknowledged.add(List.of(writer, first));
                    acknowledged.add(List.of(writer, second));
                }
            } catch (SQLException e) {
                c = afterFailure(c);
                pause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        closeQuietly(c);
    }

    /** The connection to go on with after a failed call: none if pgsteer closed it, else the same, rolled back. */
    private static Connection afterFailure(Connection c) {
        if (c == null) {
            return null;
        }
        try {
            if (c.isClosed()) {
                return null;
            }
            if (!c.getAutoCommit()) {
                c.rollback();
            }
            return c;
        } catch (SQLException e) {
            closeQuietly(c);
            return null;
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Already gone with its backend.
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the server runs a statement containing {@code query} (sent through pgsteer), so that it surely runs at the stop. */
    private static void awaitRunning(RestartableBackend backend, String query) throws SQLException, InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Connection c = backend.direct(); PreparedStatement running = c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND strpos(query, ?) > 0")) {
            running.setString(1, query);
            while (true) {
                try (ResultSet rs = running.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                assertTrue(System.nanoTime() < until, "not running after 30 s: " + query);
                Thread.sleep(10);
            }
        }
    }

    @Test
    void aFastStopRelaysTheBackendsOwnFatal57P01ToTheSessionsItCuts() throws Exception {
        try (RestartableBackend backend = RestartableBackend.start(); PgSteerServer proxy = proxyInFront(backend);
             Connection inTransaction = connect(proxy, "appdb"); Connection running = connect(proxy, "appdb")) {
            inTransaction.setAutoCommit(false);
            inTransaction.createStatement().execute("CREATE TEMP TABLE t (x int)");
            CompletableFuture<Op> sleeping = CompletableFuture.supplyAsync(
                    () -> attempt("running", "pg_sleep", () -> running.createStatement().execute("SELECT pg_sleep(30)")));
            awaitRunning(backend, "SELECT pg_sleep(30)");

            long stopped = System.nanoTime();
            backend.stopFast();

            Op sleep = sleeping.get(30, TimeUnit.SECONDS);
            Op next = attempt("in-transaction", "insert", () -> inTransaction.createStatement().executeUpdate("INSERT INTO t VALUES (1)"));
            System.out.printf("BackendDeathIT (fast stop): running statement %s %d ms after the stop; next statement in a transaction %s%n",
                    sleep.sqlState, millis(sleep.heardAfter(stopped)), next.sqlState);
            assertEquals("57P01", sleep.sqlState, sleep.message);
            assertTrue(sleep.heardAfter(stopped) <= BOUND_NANOS, sleep.toString());
            assertEquals("57P01", next.sqlState, next.message);
            assertTrue(next.heardAfter(stopped) <= BOUND_NANOS, next.toString());
        }
    }

    // --- a sharded session, one of whose shards dies ---

    private static int shardOf(long id) {
        return PgHash.remainder(KeyValue.ofText(KeyType.INTEGER, Long.toString(id)), 2);
    }

    private static long idOnShard(int shard, long from) {
        long id = from;
        while (shardOf(id) != shard) {
            id++;
        }
        return id;
    }

    @Test
    void aShardThatDiesFailsTheSessionsInATransactionOnItWithinASecond() throws Exception {
        try (RestartableBackend a = RestartableBackend.shard(); RestartableBackend b = RestartableBackend.shard()) {
            for (RestartableBackend shard : List.of(a, b)) {
                try (Connection c = shard.direct(); Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, balance int)");
                }
            }
            String yaml = """
                    listen: 127.0.0.1:0
                    users:
                      app: { password: "%s" }
                    backends:
                      a: { url: "%s" }
                      b: { url: "%s" }
                    databases:
                      bank:
                        shards: [a, b]
                        backend_database: appdb
                        pool: { size: 4, acquire_timeout: 10s }
                        tables:
                          accounts: { key: id, function: hash }
                    """.formatted(EmbeddedBackend.PASSWORD, a.url(), b.url());
            try (PgSteerServer proxy = new PgSteerServer(ConfigLoader.parse(yaml, "bank.yaml", Map.of())).start()) {
                killOneShardUnderTransactions(proxy, b);
            }
        }
    }

    private void killOneShardUnderTransactions(PgSteerServer proxy, RestartableBackend b) throws Exception {
        long onA = idOnShard(0, 1);
        long onB = idOnShard(1, 1);
        long running = idOnShard(1, onB + 1);
        long committing = idOnShard(1, running + 1);
        long committingOnA = idOnShard(0, onA + 1);
        try (Connection idle = connect(proxy, "bank"); Connection committer = connect(proxy, "bank");
             Connection sleeper = connect(proxy, "bank"); Connection bystander = connect(proxy, "bank")) {
            idle.setAutoCommit(false);
            idle.createStatement().executeUpdate("INSERT INTO accounts (id, balance) VALUES (" + onB + ", 1)");
            committer.setAutoCommit(false);
            committer.createStatement().executeUpdate("INSERT INTO accounts (id, balance) VALUES (" + committing + ", 1)");
            committer.createStatement().executeUpdate("INSERT INTO accounts (id, balance) VALUES (" + committingOnA + ", 1)");
            sleeper.setAutoCommit(false);
            sleeper.createStatement().executeUpdate("INSERT INTO accounts (id, balance) VALUES (" + running + ", 1)");
            CompletableFuture<Op> sleeping = CompletableFuture.supplyAsync(() -> attempt("shard-sleeper", "pg_sleep",
                    () -> sleeper.createStatement().execute("SELECT pg_sleep(30) FROM accounts WHERE id = " + running)));
            awaitRunning(b, "pg_sleep(30)");

            long stopped = System.nanoTime();
            b.stopImmediately();

            Op sleep = sleeping.get(30, TimeUnit.SECONDS);
            // Idle in a transaction with a write on the dead shard: its next statement (on the live shard) fails.
            Op idleNext = attempt("idle-in-transaction", "insert on a",
                    () -> idle.createStatement().executeUpdate("INSERT INTO accounts (id, balance) VALUES (" + onA + ", 1)"));
            // A COMMIT of a transaction whose writes on the dead shard are gone is never acknowledged.
            Op commit = attempt("committer", "commit", () -> {
                committer.commit();
                return null;
            });
            // A session outside any transaction goes on with the live shard.
            Op bystanding = attempt("bystander", "select on a",
                    () -> bystander.createStatement().executeQuery("SELECT count(*) FROM accounts WHERE id = " + onA));

            long restartCalled = System.nanoTime();
            b.restart();
            long ready = System.nanoTime();
            try (Connection fresh = connect(proxy, "bank")) {
                fresh.setAutoCommit(false);
                timed("fresh", "insert on b", () -> fresh.createStatement().executeUpdate("INSERT INTO accounts (id, balance) VALUES (" + onB + ", 2)"));
                timed("fresh", "commit", () -> {
                    fresh.commit();
                    return null;
                });
            }
            long served = System.nanoTime();

            System.out.printf("BackendDeathIT (sharded): statement running on the dead shard heard %d ms after the stop (%s);"
                            + " idle-in-transaction's next statement %s (%d ms after the stop); commit %s (%d ms after the stop);"
                            + " bystander %s; restart took %d ms; a transaction on the restarted shard committed %d ms after ready%n",
                    millis(sleep.heardAfter(stopped)), sleep.sqlState, idleNext.sqlState, millis(idleNext.end - stopped), commit.sqlState,
                    millis(commit.end - stopped), bystanding, millis(ready - restartCalled), millis(served - ready));

            assertTrue(sleep.failed() && sleep.heardAfter(stopped) <= BOUND_NANOS, "the statement running on the dead shard: " + sleep);
            assertTrue(idleNext.failed() && idleNext.heardAfter(stopped) <= BOUND_NANOS,
                    "the next statement of a transaction on the dead shard: " + idleNext);
            assertTrue(commit.failed() && commit.heardAfter(stopped) <= BOUND_NANOS, "the commit of a transaction on the dead shard: " + commit);
            assertFalse(bystanding.failed(), "a session outside a transaction on the live shard: " + bystanding);
            assertTrue(served - ready <= BOUND_NANOS, "a transaction on the restarted shard took " + millis(served - ready) + " ms");
        }
        try (Connection c = b.direct(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT count(*) FROM accounts WHERE id IN (" + running + ", " + committing + ")")) {
            assertTrue(rs.next());
            assertEquals(0, rs.getInt(1), "no write of the transactions cut by the stop was committed");
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
