package dev.pgsteer.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.proxy.server.PgSteerServer;
import dev.pgsteer.proxy.testkit.ClientTool;
import dev.pgsteer.proxy.testkit.EmbeddedBackend;
import dev.pgsteer.proxy.testkit.ProxiedBackend.Route;
import dev.pgsteer.proxy.testkit.ProxiedBackend;
import dev.pgsteer.proxy.testkit.ToolRun;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * pgbench, PostgreSQL's own load generator, runs through pgsteer (transaction pooling, 8 clients
 * over a pool of 4, so sessions move between connections) without a failed transaction: its
 * initialization (DDL, a client-side COPY, VACUUM), select-only runs over the simple protocol, the
 * extended protocol with unnamed statements and with named prepared statements, and the read-write
 * TPC-B-like script, whose balances must add up afterwards. With named prepared statements it also
 * runs with many clients per pgbench thread over pools smaller than the clients of one thread, where
 * a synchronous PQprepare must not wait for a connection its thread's siblings hold. Throughput is
 * not asserted beyond a floor that a stalled run cannot reach: the rest is bench/'s job.
 */
class PgbenchIT {
    static final Duration TIMEOUT = Duration.ofSeconds(90);
    static final Pattern NO_FAILED_TRANSACTIONS = Pattern.compile("(?m)^number of failed transactions: 0 ");
    static final Pattern PROCESSED = Pattern.compile("(?m)^number of transactions actually processed: (\\d+)");

    static ClientTool pgbench;
    static ProxiedBackend stack;

    @BeforeAll
    static void startAndInitialize() {
        pgbench = ClientTool.require("pgbench");
        stack = ProxiedBackend.start(backend -> backend.proxyConfig("mode: transaction, size: 4"));
        ToolRun init = pgbench("-i", "-s", "1");
        assertEquals(0, init.exitCode(), "pgbench -i -s 1 through pgsteer failed:\n" + init.describe());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void initializationThroughTheProxyLoadsEveryRow() throws Exception {
        try (Connection c = stack.connect(Route.DIRECT); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select (select count(*) from pgbench_accounts), (select count(*) from pgbench_branches), "
                        + "(select count(*) from pgbench_tellers)")) {
            rs.next();
            assertEquals(List.of(100_000L, 1L, 10L), List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3)),
                    "accounts, branches, tellers at scale 1");
        }
    }

    @Test
    void selectOnlyOverTheSimpleProtocol() {
        assertRanWithoutFailures(pgbench("-S", "-M", "simple", "-c", "8", "-j", "2", "-T", "3"));
    }

    @Test
    void selectOnlyWithNamedPreparedStatements() {
        assertRanWithoutFailures(pgbench("-S", "-M", "prepared", "-c", "8", "-j", "2", "-T", "3"));
    }

    @Test
    void tpcbLikeOverTheExtendedProtocol() {
        assertRanWithoutFailures(pgbench("-M", "extended", "-c", "8", "-j", "2", "-t", "50"));
    }

    @Test
    void tpcbLikeWithNamedPreparedStatements() {
        assertRanWithoutFailures(pgbench("-M", "prepared", "-c", "8", "-j", "2", "-t", "50"));
    }

    /**
     * Four clients per pgbench thread over two connections. pgbench prepares each statement with a
     * synchronous PQprepare the first time a client reaches it: for BEGIN, while the client holds no
     * connection and its thread's siblings may hold both in open transactions, which they cannot end
     * while the thread waits. A statement PostgreSQL parsed already is prepared without a connection.
     */
    @Test
    void tpcbLikePreparedWithFourClientsPerThreadOverTwoConnections() throws Exception {
        try (PgSteerServer proxy = proxyWithPool(2)) {
            ToolRun run = pgbench(proxy.address().getPort(), "-M", "prepared", "-c", "8", "-j", "2", "-T", "5");
            assertRanWithoutFailures(run);
            assertProcessedAtLeast(100, run);
        }
    }

    /** The same with 32 clients per thread over a pool of 20, the default size. */
    @Test
    void tpcbLikePreparedWith64ClientsOnTwoThreadsOverTwentyConnections() throws Exception {
        try (PgSteerServer proxy = proxyWithPool(20)) {
            ToolRun run = pgbench(proxy.address().getPort(), "-M", "prepared", "-c", "64", "-j", "2", "-T", "5");
            assertRanWithoutFailures(run);
            assertProcessedAtLeast(100, run);
        }
    }

    @Test
    void selectOnlyOverTheExtendedProtocolWithUnnamedStatements() {
        assertRanWithoutFailures(pgbench("-S", "-M", "extended", "-c", "8", "-j", "2", "-T", "3"));
    }

    @Test
    void tpcbLikeTransactionsKeepTheBalancesConsistent() throws Exception {
        ToolRun run = pgbench("-M", "simple", "-c", "4", "-j", "4", "-t", "100");
        assertRanWithoutFailures(run);
        Matcher processed = PROCESSED.matcher(run.stdout());
        assertTrue(processed.find(), run.describe());
        assertEquals("400", processed.group(1), "4 clients x 100 transactions\n" + run.describe());
        // Every transaction adds the same delta to one account, one teller and one branch, and logs it.
        try (Connection c = stack.connect(Route.DIRECT); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select (select sum(abalance) from pgbench_accounts), (select sum(tbalance) from pgbench_tellers), "
                        + "(select sum(bbalance) from pgbench_branches), (select sum(delta) from pgbench_history)")) {
            rs.next();
            List<Long> sums = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                sums.add(rs.getLong(i));
            }
            assertEquals(1, sums.stream().distinct().count(), "sums of accounts, tellers, branches, history: " + sums);
        }
    }

    private static void assertRanWithoutFailures(ToolRun run) {
        assertEquals(0, run.exitCode(), run.describe());
        assertTrue(NO_FAILED_TRANSACTIONS.matcher(run.stdout()).find(),
                "pgbench should report \"number of failed transactions: 0\" (pgbench 15 or later prints it; this is "
                        + pgbench.version().orElse("an unknown version") + "):\n" + run.describe());
        Matcher processed = PROCESSED.matcher(run.stdout());
        assertTrue(processed.find() && Long.parseLong(processed.group(1)) > 0, "no transaction ran:\n" + run.describe());
    }

    /**
     * A run that stalled (clients waiting for connections their own thread holds) processes a handful
     * of transactions before its clients abort or its time is up: a floor far below what the run
     * reaches tells it apart.
     */
    private static void assertProcessedAtLeast(long floor, ToolRun run) {
        Matcher processed = PROCESSED.matcher(run.stdout());
        assertTrue(processed.find(), run.describe());
        assertTrue(Long.parseLong(processed.group(1)) >= floor,
                "at least " + floor + " transactions should have run:\n" + run.describe());
    }

    /** Another pgsteer over the same PostgreSQL, with a transaction pool of {@code size} connections. */
    private static PgSteerServer proxyWithPool(int size) throws InterruptedException {
        return new PgSteerServer(stack.backend().proxyConfig("mode: transaction, size: " + size)).start();
    }

    private static ToolRun pgbench(String... arguments) {
        return pgbench(stack.port(Route.PROXY), arguments);
    }

    private static ToolRun pgbench(int port, String... arguments) {
        List<String> command = ToolRun.command(pgbench.binary(), "-h", stack.host(), "-p", String.valueOf(port),
                "-U", EmbeddedBackend.USER);
        if (!arguments[0].equals("-i")) {
            // No vacuum before a run: it also empties pgbench_history, whose sum the balance check compares.
            command.add("-n");
        }
        command.addAll(List.of(arguments));
        command.add(EmbeddedBackend.DATABASE);
        return ToolRun.run(command, ToolRun.clientEnvironment(Map.of("PGPASSWORD", EmbeddedBackend.PASSWORD)), TIMEOUT);
    }
}
