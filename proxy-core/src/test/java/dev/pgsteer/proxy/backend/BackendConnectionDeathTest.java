package dev.pgsteer.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.errors.BackendErrorException;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A backend connection whose socket dies tells whoever waits on it, however the death shows: a read
 * error (reported before the close, as Netty does for a reset), a plain close, or a close before a
 * lease took hold.
 */
class BackendConnectionDeathTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final BackendConnection connection = new BackendConnection(channel,
            new BackendTarget("main", "127.0.0.1", 5432, "app", "secret", "appdb"), 10);
    private final Holder holder = new Holder();

    BackendConnectionDeathTest() {
        channel.pipeline().addLast(new BackendFrameHandler(connection, new BackendLogin(connection, channel.eventLoop().newPromise())));
        connection.loginDone();
    }

    @Test
    void aResetWhileLeasedTellsTheHolderThoughTheReadErrorCameFirst() {
        connection.attach(holder);
        channel.pipeline().fireExceptionCaught(new IOException("io_uring read(..) failed: Connection reset by peer"));
        channel.close();
        channel.runPendingTasks();
        assertEquals(List.of("closed"), holder.events);
        assertFalse(connection.isUsable());
    }

    @Test
    void theBackendClosingWhileLeasedTellsTheHolderOnce() {
        connection.attach(holder);
        channel.close();
        channel.runPendingTasks();
        assertEquals(List.of("closed"), holder.events);
    }

    @Test
    void aLeaseTakingHoldOfAConnectionAlreadyClosedIsToldAtOnce() {
        channel.close();
        channel.runPendingTasks();
        connection.attach(holder);
        channel.runPendingTasks();
        assertEquals(List.of("closed"), holder.events);
    }

    @Test
    void theHoldersOwnCloseTellsNoOne() {
        connection.attach(holder);
        connection.detach();
        connection.close();
        channel.runPendingTasks();
        assertEquals(List.of(), holder.events);
    }

    @Test
    void aDeathDuringPgsteersOwnStatementFailsItWith08006NamingTheBackend() {
        Future<Void> done = connection.runInternal("SET x = 1", channel.eventLoop());
        channel.runPendingTasks();
        assertFalse(done.isDone());
        channel.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        channel.close();
        channel.runPendingTasks();
        assertTrue(done.isDone());
        BackendUnavailableException lost = assertInstanceOf(BackendUnavailableException.class, done.cause());
        assertEquals(SqlState.CONNECTION_FAILURE.code(), lost.error().sqlState());
        assertTrue(lost.error().message().contains("\"main\""), lost.error().message());
    }

    @Test
    void theFatalABackendSendsBeforeClosingIsTheAnswerToPgsteersOwnStatement() {
        Future<Void> done = connection.runInternal("ROLLBACK", channel.eventLoop());
        channel.runPendingTasks();
        channel.writeInbound(frame(ErrorResponse.of(ErrorResponse.Severity.FATAL, SqlState.ADMIN_SHUTDOWN,
                "terminating connection due to administrator command")));
        channel.close();
        channel.runPendingTasks();
        BackendErrorException error = assertInstanceOf(BackendErrorException.class, done.cause());
        assertEquals(SqlState.ADMIN_SHUTDOWN.code(), error.error().sqlState());
    }

    @Test
    void pgsteersOwnStatementOnAClosedConnectionFailsAtOnce() {
        channel.close();
        channel.runPendingTasks();
        Future<Void> done = connection.runInternal("DISCARD ALL", channel.eventLoop());
        channel.runPendingTasks();
        assertInstanceOf(BackendUnavailableException.class, done.cause());
    }

    private static Frame frame(ErrorResponse error) {
        ByteBuf out = Unpooled.buffer();
        error.encode(out);
        return new Frame(out);
    }

    /** A session holding the connection: records what it hears. */
    private final class Holder implements BackendListener {
        final List<String> events = new ArrayList<>();

        @Override
        public EventExecutor executor() {
            return channel.eventLoop();
        }

        @Override
        public void onBackendFrame(BackendConnection connection, Frame frame) {
            events.add("frame " + (char) frame.type());
            frame.release();
        }

        @Override
        public void onBackendReadComplete(BackendConnection connection) {
        }

        @Override
        public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
        }

        @Override
        public void onBackendClosed(BackendConnection connection) {
            events.add("closed");
        }
    }
}
