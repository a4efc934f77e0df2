package dev.pgsteer.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.yaml.ConfigLoader;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.ProxiedBackend.Route;
import dev.pgsteer.proxy.testkit.ProxiedBackend;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Many clients share few backend connections under transaction pooling, and none notices: 16 client
 * sessions run 50 transactions each through a pool of 4 connections; no write is lost, no
 * transaction sees another's work or moves to another connection halfway, and a session's
 * {@code application_name} stays its own though the connections under it are shared. Two small
 * deterministic tests come first: one transaction takes one lease even when pgsteer must re-apply
 * the session's settings on the connection it got, and two sessions keep their own names.
 *
 * <p>Each worker's transactions are checked as they run, and every problem is collected, so that a
 * failure lists what went wrong for whom rather than the first exception.
 *
 * <p>pgjdbc runs with {@code prepareThreshold=0}: from its fifth execution pgjdbc would name the
 * statement, and named statements under transaction pooling are issue 4's work.
 */
// The deterministic tests run first, on a fresh pool, so that each reads on its own when a leak breaks the pool.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConcurrencyIT {
    static final int CLIENTS = 16;
    static final int TRANSACTIONS = 50;
    static final int POOL_SIZE = 4;
    static final String UNNAMED = "prepareThreshold=0";

    static ProxiedBackend stack;

    @BeforeAll
    static void start() throws SQLException {
        stack = ProxiedBackend.start(backend -> ConfigLoader.parse("""
                listen: 127.0.0.1:0
                users:
                  app: { password: %s }
                backends:
                  main: { url: "postgresql://%s:%s@127.0.0.1:%d/%s" }
                databases:
                  appdb: { shards: [main], pool: { mode: transaction, size: %d } }
                """.formatted(EmbeddedBackend.PASSWORD, EmbeddedBackend.USER, EmbeddedBackend.PASSWORD, backend.port(),
                EmbeddedBackend.DATABASE, POOL_SIZE), "ConcurrencyIT.yaml", Map.of()));
        try (Connection c = stack.connect(Route.DIRECT); Statement s = c.createStatement()) {
            s.execute("create table concurrency_rows (worker int, seq int, payload text, primary key (worker, seq))");
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void reappliedSettingsCostOneLeasePerTransaction() throws Exception {
        try (Connection b = stack.connect(Route.PROXY, UNNAMED, "ApplicationName=session-b");
                Statement sb = b.createStatement()) {
            // Leave every pooled connection with another session's application_name, so that b's
            // next transaction gets a connection on which pgsteer must re-apply b's settings first.
            assertEquals(POOL_SIZE, occupyEveryConnection("ApplicationName=other").size(), "distinct backends");
            // pgjdbc sends Parse, Bind, Describe, Execute and Sync in one write: one transaction, one lease.
            assertEquals("session-b", answered(() -> show(sb, "application_name")), "b's own application_name");
            // b is idle now and holds nothing: all four connections must be free for others at once.
            assertEquals(POOL_SIZE, occupyEveryConnection("ApplicationName=other").size(), "distinct backends after b's statement");
            assertEquals("session-b", show(sb, "application_name"), "b's own application_name, again");
        }
    }

    /** Opens as many sessions as the pool has connections and holds one transaction open in each at once. */
    private static Set<Integer> occupyEveryConnection(String... parameters) throws SQLException {
        List<Connection> sessions = new ArrayList<>();
        Set<Integer> pids = new HashSet<>();
        try {
            for (int i = 0; i < POOL_SIZE; i++) {
                List<String> all = new ArrayList<>(List.of(UNNAMED));
                all.addAll(List.of(parameters));
                try {
                    Connection c = stack.connect(Route.PROXY, all.toArray(String[]::new));
                    sessions.add(c);
                    c.setAutoCommit(false);
                    try (Statement s = c.createStatement()) {
                        pids.add(backendPid(s));
                    }
                } catch (SQLException e) {
                    throw new AssertionError("session " + (i + 1) + " of " + POOL_SIZE + " could not get a connection while the "
                            + "others held theirs: the pool of " + POOL_SIZE + " has lost one to a session that is not using it", e);
                }
            }
            for (Connection c : sessions) {
                c.commit();
            }
        } finally {
            for (Connection c : sessions) {
                c.close();
            }
        }
        return pids;
    }

    @Test
    @Order(2)
    void applicationNameStaysWithItsSession() throws Exception {
        String defaultName = applicationNameOfAFreshSession(Route.DIRECT);
        try (Connection a = stack.connect(Route.PROXY, UNNAMED);
                Connection b = stack.connect(Route.PROXY, UNNAMED);
                Statement sa = a.createStatement(); Statement sb = b.createStatement()) {
            sa.execute("set application_name = 'alpha'");
            assertEquals(defaultName, show(sb, "application_name"), "b before it set anything");
            assertEquals("alpha", show(sa, "application_name"), "a after its SET");
            sb.execute("set application_name = 'beta'");
            assertEquals("alpha", show(sa, "application_name"), "a after b's SET");
            assertEquals("beta", show(sb, "application_name"), "b after its SET");
            try (Connection fresh = stack.connect(Route.PROXY, UNNAMED); Statement sf = fresh.createStatement()) {
                assertEquals(defaultName, show(sf, "application_name"), "a new session after a and b set theirs");
            }
        }
    }

    @Test
    @Order(3)
    void sixteenClientsShareFourConnectionsWithoutLostWritesOrCrossTalk() throws Exception {
        String defaultName = applicationNameOfAFreshSession(Route.DIRECT);
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        Set<Integer> backendPids = ConcurrentHashMap.newKeySet();
        CountDownLatch connected = new CountDownLatch(CLIENTS);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int worker = 0; worker < CLIENTS; worker++) {
                int w = worker;
                done.add(clients.submit(() -> {
                    try {
                        work(w, defaultName, connected, problems, backendPids);
                    } catch (Exception e) {
                        problems.add("worker " + w + " failed: " + e);
                    } finally {
                        connected.countDown();
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (Future<?> future : done) {
                try {
                    future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    problems.add("a worker did not finish within 60 s");
                }
            }
        } finally {
            clients.shutdownNow();
        }
        assertTrue(problems.isEmpty(), problems.size() + " problems, the first ones:\n"
                + String.join("\n", problems.stream().limit(20).toList()));
        assertTrue(backendPids.size() <= POOL_SIZE, "a pool of " + POOL_SIZE + " used backends " + backendPids);

        try (Connection c = stack.connect(Route.DIRECT); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(*), count(distinct (worker, seq)), "
                        + "count(*) filter (where payload <> worker || ':' || seq), count(distinct worker) from concurrency_rows")) {
            rs.next();
            assertEquals(CLIENTS * TRANSACTIONS, rs.getInt(1), "rows");
            assertEquals(CLIENTS * TRANSACTIONS, rs.getInt(2), "distinct (worker, seq)");
            assertEquals(0, rs.getInt(3), "rows whose payload is not their own");
            assertEquals(CLIENTS, rs.getInt(4), "workers");
        }
    }

    /**
     * One client session: even-numbered workers name themselves (and rename themselves halfway,
     * inside a transaction), odd ones keep the name they logged in with. Each transaction inserts a
     * row, reads it back before committing (only its own connection can see it then), counts the
     * worker's rows, and checks it stayed on one backend and sees its own application_name.
     */
    private static void work(int worker, String defaultName, CountDownLatch connected, Queue<String> problems,
            Set<Integer> backendPids) throws Exception {
        try (Connection c = stack.connect(Route.PROXY, UNNAMED); Statement s = c.createStatement();
                PreparedStatement insert = c.prepareStatement("insert into concurrency_rows values (?, ?, ?)");
                PreparedStatement readBack = c.prepareStatement(
                        "select payload, pg_backend_pid(), (select count(*) from concurrency_rows where worker = ?) "
                                + "from concurrency_rows where worker = ? and seq = ?")) {
            String expectedName = defaultName;
            if (worker % 2 == 0) {
                expectedName = "worker-" + worker;
                s.execute("set application_name = '" + expectedName + "'");
            }
            connected.countDown();
            connected.await(20, TimeUnit.SECONDS);
            c.setAutoCommit(false);
            for (int seq = 0; seq < TRANSACTIONS; seq++) {
                if (worker % 2 == 0 && seq == TRANSACTIONS / 2) {
                    expectedName = "worker-" + worker + "-renamed";
                    s.execute("set application_name = '" + expectedName + "'");
                }
                String where = "worker " + worker + " transaction " + seq + ": ";
                int pidAtStart = backendPid(s);
                insert.setInt(1, worker);
                insert.setInt(2, seq);
                insert.setString(3, worker + ":" + seq);
                insert.executeUpdate();
                readBack.setInt(1, worker);
                readBack.setInt(2, worker);
                readBack.setInt(3, seq);
                try (ResultSet rs = readBack.executeQuery()) {
                    if (!rs.next()) {
                        problems.add(where + "its own uncommitted row is not visible");
                    } else {
                        check(problems, where + "payload", worker + ":" + seq, rs.getString(1));
                        check(problems, where + "backend pid within the transaction", pidAtStart, rs.getInt(2));
                        check(problems, where + "rows of this worker", (long) seq + 1, rs.getLong(3));
                    }
                }
                check(problems, where + "application_name", expectedName, show(s, "application_name"));
                backendPids.add(pidAtStart);
                c.commit();
            }
        }
    }

    interface Query<T> {
        T run() throws SQLException;
    }

    /** Runs a statement whose answer must come; a lost one is reported as such, not as an I/O error. */
    private static <T> T answered(Query<T> query) throws SQLException {
        try {
            return query.run();
        } catch (SQLException e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                throw new AssertionError("no answer within the " + ProxiedBackend.SOCKET_TIMEOUT_SECONDS
                        + " s socket timeout: pgsteer lost the answer to this statement", e);
            }
            if ("53300".equals(e.getSQLState())) {
                throw new AssertionError("a pool timeout while this session was the only one using the pool: "
                        + "its one statement took more than one lease", e);
            }
            throw e;
        }
    }

    private static String applicationNameOfAFreshSession(Route route) throws SQLException {
        try (Connection c = stack.connect(route, UNNAMED); Statement s = c.createStatement()) {
            return show(s, "application_name");
        }
    }

    private static String show(Statement s, String setting) throws SQLException {
        try (ResultSet rs = s.executeQuery("show " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static int backendPid(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void check(Queue<String> problems, String what, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            problems.add(what + ": expected " + expected + ", got " + actual);
        }
    }
}
