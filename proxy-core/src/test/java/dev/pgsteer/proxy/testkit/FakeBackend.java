package dev.pgsteer.proxy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.wire.Wire;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendConnector;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The PostgreSQL servers a pool connects to, as its connector. A connection is pgsteer's own: its
 * real login and framing ({@link BackendConnector#logInOn}) run over an {@link EmbeddedChannel} fed
 * with the server's bytes ({@link BackendBytes}), so the pool gets the same object it gets from a
 * socket; the test reads what pgsteer sent on it ({@link #received}) and writes the server's answers.
 *
 * <p>Two ways to answer a connect: {@code new FakeBackend()} makes each connect wait until the test
 * answers it, {@link #accept} as a server that trusts the login or {@link #refuse} as one that is
 * down (pool tests); {@link #loggingIn} answers every connect at once with the given login (relay
 * tests, whose pool connects on its own).
 *
 * <p>Each connection lives on its channel's own event loop, never on the loop the pool was asked to
 * use: a lease from another loop finds it only by the pool's fallback, one from
 * {@code connection.eventLoop()} by the pool's affinity.
 */
public final class FakeBackend extends BackendConnector implements AutoCloseable {
    private static final int MAX_PREPARED_STATEMENTS = 10;

    private final ArrayDeque<Connect> connects = new ArrayDeque<>();
    private final List<EmbeddedChannel> opened = new ArrayList<>();
    /** The login every connect is answered with at once, or null when the test answers each. */
    private final ByteBuf loginAtOnce;
    private int processIds = 1000;

    private record Connect(BackendTarget target, Promise<BackendConnection> ready) {
    }

    /** Servers whose connects wait for {@link #accept} or {@link #refuse}. */
    public FakeBackend() {
        this(null);
    }

    private FakeBackend(ByteBuf loginAtOnce) {
        super(Duration.ofSeconds(1), NioSocketChannel.class, MAX_PREPARED_STATEMENTS);
        this.loginAtOnce = loginAtOnce;
    }

    /**
     * Servers that answer every connect at once with {@code login}, the bytes of a backend that
     * trusts the user (AuthenticationOk, ParameterStatus..., BackendKeyData, ReadyForQuery).
     */
    public static FakeBackend loggingIn(ByteBuf login) {
        return new FakeBackend(login);
    }

    @Override
    public Future<BackendConnection> connect(BackendTarget target, EventLoop loop) {
        Promise<BackendConnection> ready = loop.newPromise();
        Connect connect = new Connect(target, ready);
        if (loginAtOnce != null) {
            open(connect, loginAtOnce.retainedDuplicate());
        } else {
            connects.add(connect);
        }
        return ready;
    }

    /** Connects asked for and not answered yet. */
    public int pendingConnects() {
        return connects.size();
    }

    /**
     * Answers the oldest connect as a server that trusts the user: the login runs to its first
     * ReadyForQuery and the connect completes with the connection, idle.
     */
    public BackendConnection accept() {
        Connect connect = next();
        BackendConnection connection = open(connect, BackendBytes.trustedLogin(++processIds));
        assertTrue(connect.ready().isDone(), "the login is done at ReadyForQuery");
        return connection;
    }

    /** Answers the oldest connect as a server that is down: 08006, as the real connector fails. */
    public void refuse() {
        Connect connect = next();
        connect.ready().setFailure(new BackendUnavailableException(ProxyErrors.backendUnavailable(
                ErrorResponse.Severity.ERROR, connect.target().name(), "Connection refused (127.0.0.1:5432)")));
    }

    /**
     * The server side of pgsteer's own empty query on {@code connection} (a pool's health check):
     * reads the Query it sent and answers EmptyQueryResponse, ReadyForQuery.
     */
    public void answerEmptyQuery(BackendConnection connection) {
        EmbeddedChannel channel = (EmbeddedChannel) connection.channel();
        assertEquals(List.of("Q "), received(channel), "an empty Query");
        channel.writeInbound(BackendBytes.emptyQueryAnswer());
    }

    /** The channels of the connections opened so far, oldest first. */
    public List<EmbeddedChannel> opened() {
        return opened;
    }

    /**
     * What pgsteer sent the server on {@code channel} since last asked, one line per message:
     * "startup" for a StartupMessage, {@code Q sql} for a Query, other messages by their type byte.
     */
    public static List<String> received(EmbeddedChannel channel) {
        channel.runPendingTasks();
        ByteBuf all = Outbound.joined(channel);
        List<String> lines = new ArrayList<>();
        while (all.readableBytes() >= 5) {
            byte type = all.getByte(all.readerIndex());
            if (type == 0) {
                // int32 len | int32 protocol | parameters: no type byte, and a length below 2^24.
                all.skipBytes(all.readInt() - 4);
                lines.add("startup");
                continue;
            }
            all.skipBytes(1);
            ByteBuf body = all.readSlice(all.readInt() - 4);
            lines.add(type == 'Q' ? "Q " + Wire.readCString(body) : String.valueOf((char) type));
        }
        all.release();
        return lines;
    }

    /** Readies a connection for {@code connect} and has the server answer its StartupMessage with {@code login}. */
    private BackendConnection open(Connect connect, ByteBuf login) {
        EmbeddedChannel channel = new EmbeddedChannel();
        opened.add(channel);
        BackendConnection connection = BackendConnector.logInOn(channel, connect.target(), MAX_PREPARED_STATEMENTS,
                connect.ready());
        channel.pipeline().fireChannelActive();
        assertEquals(List.of("startup"), received(channel), "pgsteer's login starts with a StartupMessage");
        channel.writeInbound(login);
        return connection;
    }

    private Connect next() {
        Connect connect = connects.poll();
        assertNotNull(connect, "the pool opened no connection");
        return connect;
    }

    /** Releases whatever pgsteer wrote and the server did not read; a copy, as closing a connection may have its pool open another. */
    @Override
    public void close() {
        List.copyOf(opened).forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
