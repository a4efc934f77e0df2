package dev.pgsteer.proxy.relay;

import static dev.pgsteer.proxy.testkit.BackendBytes.authenticationOk;
import static dev.pgsteer.proxy.testkit.BackendBytes.backendKeyData;
import static dev.pgsteer.proxy.testkit.BackendBytes.commandComplete;
import static dev.pgsteer.proxy.testkit.BackendBytes.parameterStatus;
import static dev.pgsteer.proxy.testkit.BackendBytes.readyForQuery;
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
import dev.pgsteer.proxy.client.SessionGate;
import dev.pgsteer.proxy.observe.ProxyMetrics;
import dev.pgsteer.proxy.observe.SlowStatementLog;
import dev.pgsteer.proxy.relay.prepared.StatementRegistry;
import dev.pgsteer.proxy.relay.prepared.StatementRelay;
import dev.pgsteer.proxy.testkit.ClientSessions;
import dev.pgsteer.proxy.testkit.ClientWire;
import dev.pgsteer.proxy.testkit.FakeBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A gated session switches targets between leases only: a frame for another target waits while
 * the connection held has a request under way, and runs on the other target's pool once the
 * connection went back; when the connection cannot go back (a transaction), the switch is refused
 * in the frame's place. The gate here sends a Query to target B when its text starts with "B:".
 */
class TargetSwitchTest {
    private static final ByteBuf LOGIN = together(authenticationOk(), parameterStatus("application_name", ""),
            backendKeyData(99, 7), readyForQuery('I'));

    private final FakeBackend backendA = FakeBackend.loggingIn(LOGIN);
    private final FakeBackend backendB = FakeBackend.loggingIn(LOGIN);
    private final Target a = new Target(pool("a", backendA));
    private final Target b = new Target(pool("b", backendB));
    private final ClientWire client = new ClientWire();
    private PooledRelay relay;

    private record Target(BackendPool pool) implements SessionGate.Target {
    }

    private final class ByPrefix implements SessionGate {
        @Override
        public SessionGate.Target initial() {
            return a;
        }

        @Override
        public Admitted admit(Frame frame) {
            String text = frame.body().toString(StandardCharsets.UTF_8);
            return new Admitted(frame, text.startsWith("B:") ? b : a);
        }

        @Override
        public Admitted refuseSwitch(Admitted admitted, SessionGate.Target held) {
            admitted.first().release();
            return new Admitted(query("SELECT 'switch refused'"), held);
        }

        @Override
        public void activate(SessionGate.Target target) {
        }
    }

    private static BackendPool pool(String database, FakeBackend connector) {
        return new BackendPool(new BackendTarget(database, "localhost", 5432, "app", "secret", database),
                new PoolSettings(1, 0, Duration.ofSeconds(5), Duration.ofMinutes(10), Duration.ofHours(1)), connector);
    }

    @AfterEach
    void closeChannels() {
        client.close();
        backendA.close();
        backendB.close();
    }

    private void connect() {
        ClientSession session = ClientSessions.loggedIn(client.channel(), "app", "tenants", Map.of());
        StatementRelay statements = new StatementRelay(new StatementRegistry(),
                session.settings()::wanted, session.settings()::version);
        relay = new PooledRelay(session, new ByPrefix(), PoolMode.TRANSACTION,
                new ProxyMetrics(new SimpleMeterRegistry(), new PoolRegistry(backendA)), statements, new SlowStatementLog(null));
        relay.connect();
        client.received();
    }

    private void clientSends(String sql) {
        relay.onClientFrame(query(sql));
        relay.onClientReadComplete();
    }

    private static void answer(FakeBackend backend, ByteBuf... messages) {
        backend.opened().getFirst().writeInbound(together(messages));
    }

    @Test
    void aFrameForAnotherTargetWaitsForTheConnectionToGoBackThenRunsThere() {
        connect();
        clientSends("SELECT 1");
        clientSends("B: SELECT 2");
        assertEquals(List.of("Q SELECT 1"), received(backendA.opened().getFirst()));
        assertTrue(backendB.opened().isEmpty(), "B waits for A's answer");
        assertFalse(client.channel().config().isAutoRead(), "the client is not read while a frame waits");

        answer(backendA, commandComplete("SELECT 1"), readyForQuery('I'));
        assertEquals(1, a.pool().stats().idle(), "A's connection went back");
        assertEquals(List.of("Q B: SELECT 2"), received(backendB.opened().getFirst()));
        assertEquals(Lease.LeaseState.ATTACHED, relay.leaseState());
        assertTrue(client.channel().config().isAutoRead());
    }

    @Test
    void inATransactionTheSwitchIsRefusedInTheFramesPlace() {
        connect();
        clientSends("BEGIN");
        answer(backendA, commandComplete("BEGIN"), readyForQuery('T'));

        clientSends("B: SELECT 2");
        assertEquals(List.of("Q BEGIN", "Q SELECT 'switch refused'"), received(backendA.opened().getFirst()));
        assertTrue(backendB.opened().isEmpty(), "the transaction's connection is the only one");
    }
}
