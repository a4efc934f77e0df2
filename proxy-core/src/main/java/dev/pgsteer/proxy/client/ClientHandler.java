package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.codec.FrontendFrames;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.StreamedFrameCheck;
import dev.pgsteer.protocol.codec.Verdict;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.StartupPacket;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.protocol.wire.FrameHead;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a client channel: passes each message to the login or the relay, by the
 * session's phase, and turns protocol violations into FATAL 08P01. Every frame of a logged-in
 * session is checked here ({@link FrontendFrames}) before its session sees it, whichever kind of
 * session it is: a relay to one backend, a sharded session, a tenant's, or the admin console.
 */
public final class ClientHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientHandler.class);

    private final ClientServices context;
    private final SessionRelays relays;
    private ClientSession session;
    private ClientLogin login;
    private SessionRelay relay;
    /** The check of a large message that comes in pieces; only for sessions that take them (see streamLargeMessages). */
    private StreamedFrameCheck streamed;
    private ScheduledFuture<?> authTimeout;
    private boolean counted;

    public ClientHandler(ClientServices context, SessionRelays relays) {
        this.context = context;
        this.relays = relays;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session = new ClientSession(ctx.channel());
        login = new ClientLogin(session, context);
        counted = context.metrics().clientConnected(context.config().maxClientConnections());
        if (!counted) {
            // Refused once its startup packet is read: an error before the SSL answer confuses libpq.
            ctx.fireChannelActive();
            return;
        }
        int[] keys = context.cancels().register(() -> ctx.channel().eventLoop().execute(this::cancel));
        session.keys(keys[0], keys[1]);
        context.sessions().add(session);
        ConnectionLog.connected(session);
        long timeout = context.config().authTimeout().toMillis();
        authTimeout = ctx.executor().schedule(() -> {
            if (session.phase() == Phase.STARTUP || session.phase() == Phase.AUTHENTICATING) {
                session.terminate(ProxyErrors.authenticationTimeout());
            }
        }, timeout, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    private void cancel() {
        if (relay != null) {
            relay.cancel();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Phase phase = session.phase();
        if (log.isTraceEnabled()) {
            log.trace("{}: FE=> {} in {}", session.id(), msg, phase);
        }
        if (phase == Phase.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!counted && !(msg instanceof StartupPacket.SslRequest || msg instanceof StartupPacket.GssEncRequest)) {
            ReferenceCountUtil.release(msg);
            session.terminate(ProxyErrors.tooManyClients(context.config().maxClientConnections()));
            return;
        }
        boolean authenticated = switch (msg) {
            case StartupPacket packet -> login.onStartupPacket(packet);
            case Frame frame when phase == Phase.STARTUP || phase == Phase.AUTHENTICATING -> login.onFrame(frame);
            case Frame frame -> {
                Verdict verdict = frame instanceof FrameHead head ? streamed.head(head) : FrontendFrames.check(frame);
                if (verdict instanceof Verdict.ProtocolViolation violation) {
                    frame.release();
                    refuseFrame(violation);
                    yield false;
                }
                session.clientSent(frame.type());
                relay.onClientFrame(frame);
                yield false;
            }
            case FrameChunk chunk -> {
                // Refused in the middle, the message was partly passed on: the relay gives up its connection.
                if (streamed.chunk(chunk) instanceof Verdict.ProtocolViolation violation) {
                    chunk.release();
                    refuseFrame(violation);
                    yield false;
                }
                relay.onClientChunk(chunk);
                yield false;
            }
            default -> throw new IllegalStateException("unexpected message " + msg);
        };
        if (authenticated) {
            onAuthenticated(ctx);
        }
    }

    /**
     * A frame PostgreSQL would refuse: no session type acts on it. It ends the session with FATAL
     * 08P01, whatever PostgreSQL's severity: a frame that is not what its type says is no message to
     * route, and the frames after it in the stream cannot be trusted to be what they seem either.
     */
    private void refuseFrame(Verdict.ProtocolViolation violation) {
        log.info("{}: protocol violation: {}", session.id(), violation.message());
        session.terminate(ErrorResponse.of(ErrorResponse.Severity.FATAL, violation.sqlState(), violation.message()));
    }

    /**
     * Logged in: the router says where the whole session goes, once, and the session gets the relay
     * made for it (see {@link SessionRelays}), or its login is refused.
     */
    private void onAuthenticated(ChannelHandlerContext ctx) {
        authTimeout.cancel(false);
        authTimeout = null;   // the cancelled task (and what its lambda holds) is not kept for the session's life
        ctx.pipeline().get(PgFrameDecoder.class).maxMessageSize(PgFrameDecoder.MAX_MESSAGE);
        switch (relays.open(session)) {
            case SessionRelays.Opening.Refused refused -> refuseLogin(refused.error());
            case SessionRelays.Opening.Opened opened -> start(opened.relay());
        }
    }

    private void start(SessionRelays.NewRelay made) {
        relay = made.relay();
        if (made.streamed() != null) {
            streamLargeMessages(made.streamed());
        }
        ConnectionLog.authenticated(session, made.loggedAs());
        relay.connect();
    }

    /**
     * A session relayed to one connection at a time takes large Binds and CopyData in pieces, passed
     * on as they are read (see PooledRelay#streams). Sharded sessions read every message whole: a Bind
     * is routed by its values.
     */
    private void streamLargeMessages(PgFrameDecoder.StreamedTypes types) {
        streamed = new StreamedFrameCheck();
        session.channel().pipeline().get(PgFrameDecoder.class).streamLarge(PgFrameDecoder.STREAM_ABOVE, types);
    }

    private void refuseLogin(ErrorResponse refusal) {
        ConnectionLog.loginFailed(session, refusal);
        session.terminate(refusal);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (relay != null) {
            relay.onClientReadComplete();
        }
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (relay != null) {
            relay.onClientWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (authTimeout != null) {
            authTimeout.cancel(false);
        }
        if (relay != null) {
            relay.onClientClosed();
        }
        session.closed();
        if (counted) {
            ConnectionLog.disconnected(session, session.endedBy());
            context.sessions().remove(session);
            context.cancels().unregister(session.processId());
            context.metrics().clientDisconnected();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof ProtocolViolationException violation) {
            log.info("{}: protocol violation: {}", session.id(), violation.getMessage());
            session.terminate(ErrorResponse.of(ErrorResponse.Severity.FATAL, violation.sqlState(), violation.getMessage()));
        } else if (root instanceof IOException) {
            log.debug("{}: {}", session.id(), root.toString());
            ctx.close();
        } else {
            log.warn("{}: internal error", session.id(), root);
            session.terminate(ProxyErrors.fatal(SqlState.INTERNAL_ERROR, "internal error in pgsteer: " + root));
        }
    }
}
