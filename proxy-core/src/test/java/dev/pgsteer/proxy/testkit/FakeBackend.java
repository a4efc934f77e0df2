package dev.pgsteer.proxy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendConnector;
import dev.pgsteer.proxy.backend.BackendTarget;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The PostgreSQL servers a pool connects to, as its connector: each connect waits until the test
 * answers it, {@link #accept} as a server that trusts the login or {@link #refuse} as one that is
 * down. An accepted connection is pgsteer's own: its real login and framing run over an
 * {@link EmbeddedChannel} fed with the server's bytes ({@link BackendBytes}), so the pool gets the
 * same object it gets from a socket.
 *
 * <p>Each connection lives on its channel's own event loop, never on the loop the pool was asked to
 * use: a lease from another loop finds it only by the pool's fallback, one from
 * {@code connection.eventLoop()} by the pool's affinity.
 */
public final class FakeBackend extends BackendConnector implements AutoCloseable {
    private static final int MAX_PREPARED_STATEMENTS = 10;

    private final ArrayDeque<Connect> connects = new ArrayDeque<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private int processIds = 1000;

    private record Connect(BackendTarget target, Promise<BackendConnection> ready) {
    }

    public FakeBackend() {
        super(Duration.ofSeconds(1), NioSocketChannel.class, MAX_PREPARED_STATEMENTS);
    }

    @Override
    public Future<BackendConnection> connect(BackendTarget target, EventLoop loop) {
        Promise<BackendConnection> ready = loop.newPromise();
        connects.add(new Connect(target, ready));
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
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        BackendConnection connection = BackendConnector.logInOn(channel, connect.target(), MAX_PREPARED_STATEMENTS,
                connect.ready());
        channel.pipeline().fireChannelActive();
        assertEquals("startup", sent(channel), "pgsteer's login starts with a StartupMessage");
        channel.writeInbound(BackendBytes.trustedLogin(++processIds));
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
        channel.runPendingTasks();
        assertEquals("Q ", sent(channel), "an empty Query");
        channel.writeInbound(BackendBytes.emptyQueryAnswer());
    }

    /**
     * What pgsteer wrote to {@code channel} since last asked, one message: "startup" for a startup
     * packet, else its type and the text it carries (a Query's SQL); null when nothing.
     */
    private static String sent(EmbeddedChannel channel) {
        ByteBuf out = channel.readOutbound();
        if (out == null) {
            return null;
        }
        try {
            byte type = out.getByte(out.readerIndex());
            if (type == 0) {
                return "startup";
            }
            // 'Q' | int32 len | sql \0
            String sql = out.toString(out.readerIndex() + 5, out.readableBytes() - 6, StandardCharsets.UTF_8);
            return (char) type + " " + sql;
        } finally {
            ReferenceCountUtil.release(out);
        }
    }

    private Connect next() {
        Connect connect = connects.poll();
        assertNotNull(connect, "the pool opened no connection");
        return connect;
    }

    /** Releases whatever pgsteer wrote and the server did not read. */
    @Override
    public void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
}
