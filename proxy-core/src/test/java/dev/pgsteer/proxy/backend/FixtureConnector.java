package dev.pgsteer.proxy.backend;

import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.protocol.codec.SliceJoiner;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A connector whose connections are {@link EmbeddedChannel}s with the pipeline a real one gets
 * (decoder, encoder, the real login): the login is answered with {@code loginReply}, the bytes of
 * a backend that trusts the user (AuthenticationOk, ParameterStatus..., BackendKeyData,
 * ReadyForQuery). A test reads what pgsteer wrote on each channel and writes the backend's answers.
 */
public final class FixtureConnector extends BackendConnector {
    private final ByteBuf loginReply;
    private final List<EmbeddedChannel> opened = new ArrayList<>();

    public FixtureConnector(ByteBuf loginReply) {
        super(Duration.ofSeconds(5), NioSocketChannel.class, 10);
        this.loginReply = loginReply;
    }

    @Override
    public Future<BackendConnection> connect(BackendTarget target, EventLoop loop) {
        Promise<BackendConnection> ready = loop.newPromise();
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        BackendConnection connection = new BackendConnection(channel, target, 10);
        BackendLogin login = new BackendLogin(connection, ready);
        PgFrameDecoder decoder = PgFrameDecoder.forBackends();
        decoder.streamLarge(PgFrameDecoder.STREAM_ABOVE, connection::streams);
        channel.pipeline().addLast(decoder, new SliceJoiner(), PgMessageEncoder.INSTANCE,
                new BackendFrameHandler(connection, login));
        try {
            channel.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        // The StartupMessage the login sent: no type byte, and no test's business.
        channel.releaseOutbound();
        opened.add(channel);
        channel.writeInbound(loginReply.retainedDuplicate());
        return ready;
    }

    /** The channels of the connections opened so far, oldest first. */
    public List<EmbeddedChannel> opened() {
        return opened;
    }
}
