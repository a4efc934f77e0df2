package dev.pgsteer.proxy.relay;

import static dev.pgsteer.proxy.testkit.BackendBytes.authenticationOk;
import static dev.pgsteer.proxy.testkit.BackendBytes.backendKeyData;
import static dev.pgsteer.proxy.testkit.BackendBytes.commandComplete;
import static dev.pgsteer.proxy.testkit.BackendBytes.dataRow;
import static dev.pgsteer.proxy.testkit.BackendBytes.error;
import static dev.pgsteer.proxy.testkit.BackendBytes.parameterStatus;
import static dev.pgsteer.proxy.testkit.BackendBytes.readyForQuery;
import static dev.pgsteer.proxy.testkit.BackendBytes.rowDescription;
import static dev.pgsteer.proxy.testkit.BackendBytes.together;
import static dev.pgsteer.proxy.testkit.ClientFrames.query;
import static dev.pgsteer.proxy.testkit.FakeBackend.received;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.PoolMode;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.backend.pool.PoolRegistry;
import dev.pgsteer.proxy.backend.pool.PoolSettings;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.observe.ProxyMetrics;
import dev.pgsteer.proxy.observe.SlowStatementLog;
import dev.pgsteer.proxy.relay.Lease.LeaseState;
import dev.pgsteer.proxy.relay.prepared.StatementRegistry;
import dev.pgsteer.proxy.relay.prepared.StatementRelay;
import dev.pgsteer.proxy.testkit.ClientSessions;
import dev.pgsteer.proxy.testkit.ClientWire;
import dev.pgsteer.proxy.testkit.FakeBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The single-backend relay's lease, read from the outside: a client on an {@link EmbeddedChannel},
 * a real pool of one connection whose backend is an {@link EmbeddedChannel} answering with byte
 * fixtures, and the lease's state after each step. Transaction pooling unless a test says otherwise.
 */
class PooledRelayLeaseTest {
    private static final BackendTarget TARGET = new BackendTarget("main", "localhost", 5432, "app", "secret", "appdb");
    /** The backend's login: it trusts the user and reports two parameters. */
    private static final ByteBuf LOGIN = together(authenticationOk(), parameterStatus("application_name", ""),
            parameterStatus("DateStyle", "ISO, MDY"), backendKeyData(99, 7), readyForQuery('I'));

    private final FakeBackend connector = FakeBackend.loggingIn(LOGIN);
    private final BackendPool pool = new BackendPool(TARGET,
            new PoolSettings(1, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofHours(1)), connector);
    private final ClientWire client = new ClientWire();
    private PooledRelay relay;

    @AfterEach
    void closeChannels() {
        client.close();
        connector.close();
    }

    /** A relay whose session has logged in with {@code startup} settings, connected and greeted. */
    private PooledRelay connected(PoolMode mode, Map<String, String> startup) {
        ClientSession session = ClientSessions.loggedIn(client.channel(), "app", "appdb", startup);
        ProxyMetrics metrics = new ProxyMetrics(new SimpleMeterRegistry(), new PoolRegistry(connector));
        StatementRelay statements = new StatementRelay(new StatementRegistry(),
                session.settings()::wanted, session.settings()::version);
        relay = new PooledRelay(session, pool, mode, metrics, statements, new SlowStatementLog(null));
        relay.connect();
        return relay;
    }

    private EmbeddedChannel backend() {
        return connector.opened().getFirst();
    }

    private void clientSends(Frame frame) {
        relay.onClientFrame(frame);
        relay.onClientReadComplete();
    }

    private void backendAnswers(ByteBuf... messages) {
        backend().writeInbound(together(messages));
    }

    @Test
    void theLoginsConnectionGreetsTheClientAndGoesBackToThePool() {
        connected(PoolMode.TRANSACTION, Map.of());
        assertEquals(List.of("S application_name=", "S DateStyle=ISO, MDY", "K", "Z I"), client.received());
        assertEquals(LeaseState.NONE, relay.leaseState());
        assertEquals(1, pool.stats().idle());
    }

    @Test
    void aStatementLeasesAConnectionWhichGoesBackAtReadyForQueryIdle() {
        connected(PoolMode.TRANSACTION, Map.of());
        client.received();

        clientSends(query("SELECT 1"));
        assertEquals(LeaseState.ATTACHED, relay.leaseState());
        assertEquals(0, pool.stats().idle());
        assertEquals(List.of("Q SELECT 1"), received(backend()));

        backendAnswers(rowDescription("?column?"), dataRow("1"), commandComplete("SELECT 1"), readyForQuery('I'));
        assertEquals(List.of("T ?column?", "D 1", "C SELECT 1", "Z I"), client.received());
        assertEquals(LeaseState.NONE, relay.leaseState());
        assertEquals(1, pool.stats().idle());
    }

    @Test
    void aTransactionKeepsItsConnectionUntilItEnds() {
        connected(PoolMode.TRANSACTION, Map.of());
        client.received();

        clientSends(query("BEGIN"));
        backendAnswers(commandComplete("BEGIN"), readyForQuery('T'));
        assertEquals(LeaseState.ATTACHED, relay.leaseState(), "in a transaction");
        assertEquals(0, pool.stats().idle());

        clientSends(query("COMMIT"));
        backendAnswers(commandComplete("COMMIT"), readyForQuery('I'));
        assertEquals(List.of("Q BEGIN", "Q COMMIT"), received(backend()));
        assertEquals(List.of("C BEGIN", "Z T", "C COMMIT", "Z I"), client.received());
        assertEquals(LeaseState.NONE, relay.leaseState());
        assertEquals(1, pool.stats().idle());
    }

    @Test
    void underSessionPoolingTheLoginsConnectionStaysAttached() {
        connected(PoolMode.SESSION, Map.of());
        client.received();
        clientSends(query("SELECT 1"));
        backendAnswers(commandComplete("SELECT 1"), readyForQuery('I'));
        assertEquals(LeaseState.ATTACHED, relay.leaseState());
        assertEquals(0, pool.stats().idle());
    }

    @Test
    void theSessionsStartupSettingsAreMadeTheConnectionsBeforeTheGreeting() {
        connected(PoolMode.TRANSACTION, Map.of("application_name", "fixture"));
        assertEquals(LeaseState.SYNCING_SETTINGS, relay.leaseState());
        List<String> sync = received(backend());
        assertEquals(1, sync.size());
        assertTrue(sync.getFirst().startsWith("Q ") && sync.getFirst().contains("application_name")
                && sync.getFirst().contains("fixture"), sync.getFirst());
        assertEquals(List.of(), client.received(), "no greeting before the connection carries the session's settings");

        backendAnswers(parameterStatus("application_name", "fixture"), commandComplete("SELECT 1"), readyForQuery('I'));
        assertEquals(List.of("S application_name=fixture", "S DateStyle=ISO, MDY", "K", "Z I"), client.received());
        assertEquals(LeaseState.NONE, relay.leaseState());
    }

    @Test
    void aSetInsideATransactionIsReadBackWhenTheTransactionEndsBeforeTheConnectionGoesBack() {
        connected(PoolMode.TRANSACTION, Map.of());
        client.received();
        clientSends(query("BEGIN"));
        backendAnswers(commandComplete("BEGIN"), readyForQuery('T'));
        clientSends(query("SET work_mem = '8MB'"));
        backendAnswers(commandComplete("SET"), readyForQuery('T'));
        clientSends(query("COMMIT"));
        received(backend());

        backendAnswers(commandComplete("COMMIT"), readyForQuery('I'));
        assertEquals(LeaseState.READING_BACK, relay.leaseState());
        assertEquals(List.of("C BEGIN", "Z T", "C SET", "Z T", "C COMMIT", "Z I"), client.received(),
                "the client has its ReadyForQuery before the read-back");
        List<String> readBack = received(backend());
        assertEquals(1, readBack.size());
        assertTrue(readBack.getFirst().contains("work_mem"), readBack.getFirst());

        backendAnswers(rowDescription("n", "current_setting"), dataRow("role", "none"), dataRow("work_mem", "8MB"),
                commandComplete("SELECT 2"), readyForQuery('I'));
        assertEquals(LeaseState.NONE, relay.leaseState());
        assertEquals(1, pool.stats().idle());
        assertEquals(List.of(), client.received(), "pgsteer's own rows are not the client's");
    }

    @Test
    void resetAllPutsTheStartupValuesBackBeforeTheClientHearsReadyForQuery() {
        connected(PoolMode.SESSION, Map.of("application_name", "fixture"));
        received(backend());
        backendAnswers(parameterStatus("application_name", "fixture"), commandComplete("SELECT 1"), readyForQuery('I'));
        client.received();

        clientSends(query("RESET ALL"));
        assertEquals(List.of("Q RESET ALL"), received(backend()));
        backendAnswers(parameterStatus("application_name", ""), commandComplete("RESET"), readyForQuery('I'));
        assertEquals(LeaseState.RESTORING_STARTUP, relay.leaseState());
        assertEquals(List.of("S application_name=", "C RESET"), client.received(), "ReadyForQuery waits for the restore");
        List<String> restore = received(backend());
        assertTrue(restore.getFirst().contains("set_config('application_name', 'fixture'"), restore.getFirst());

        backendAnswers(rowDescription("set_config"), dataRow("fixture"), parameterStatus("application_name", "fixture"),
                commandComplete("SELECT 1"), readyForQuery('I'));
        assertEquals(List.of("S application_name=fixture", "Z I"), client.received());
        assertEquals(LeaseState.ATTACHED, relay.leaseState());
    }

    @Test
    void aBackendFatalEndsTheSessionWithTheClientTold() {
        connected(PoolMode.TRANSACTION, Map.of());
        client.received();
        clientSends(query("SELECT pg_sleep(10)"));

        backendAnswers(error("FATAL", "57P01", "terminating connection due to administrator command"));
        backend().close();
        assertEquals(List.of("E FATAL 57P01 terminating connection due to administrator command"), client.received());
        assertFalse(client.channel().isOpen(), "the session ends as its backend did");
        assertEquals(LeaseState.NONE, relay.leaseState());
        assertEquals(0, pool.stats().total(), "the dead connection left the pool");
    }

    @Test
    void aClientThatClosesMidTransactionReturnsItsConnectionRolledBack() {
        connected(PoolMode.TRANSACTION, Map.of());
        client.received();
        clientSends(query("BEGIN"));
        backendAnswers(commandComplete("BEGIN"), readyForQuery('T'));
        received(backend());

        relay.onClientClosed();
        assertEquals(LeaseState.NONE, relay.leaseState());
        assertEquals(List.of("Q ROLLBACK"), received(backend()));
        assertEquals(0, pool.stats().idle(), "not back before its ROLLBACK is done");

        backendAnswers(commandComplete("ROLLBACK"), readyForQuery('I'));
        assertEquals(1, pool.stats().idle());
    }
}
