package dev.pgsteer.proxy.tls;

import dev.pgsteer.config.SslMode;
import dev.pgsteer.protocol.message.StartupPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Consumer;

/**
 * The first exchange on a connection pgsteer opens to a backend whose sslmode is not
 * {@code disable}: an SSLRequest, the server's one-byte answer, and on {@code 'S'} the TLS
 * handshake. Until that is over it holds back {@code channelActive}, so the handlers behind it (the
 * login, a cancel request) start on a connection that is encrypted, or plain where {@code prefer}
 * allows it. Then it leaves the pipeline.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL">SSL session encryption</a>
 */
public final class BackendTlsNegotiation extends ChannelInboundHandlerAdapter {
    private enum State {
        /** The SSLRequest is out; the next byte is the server's answer. */
        ASKED,
        /** 'S' came: the SslHandler is in front of us, shaking hands. */
        HANDSHAKING,
        /** Encrypted, or plain where prefer allows it: the handlers behind us take over. */
        DONE,
        /** Refused or broken: reported once, the channel closes; later errors are echoes of the same failure. */
        FAILED
    }

    private final BackendTls tls;
    private final String backend;
    private final String host;
    private final int port;
    private final Consumer<String> onFailure;
    private State state = State.ASKED;

    /** {@code onFailure} gets why, worded for an error message that names the backend; the channel is then closed. */
    public BackendTlsNegotiation(BackendTls tls, String backend, String host, int port, Consumer<String> onFailure) {
        this.tls = tls;
        this.backend = backend;
        this.host = host;
        this.port = port;
        this.onFailure = onFailure;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ByteBuf request = ctx.alloc().buffer(8);
        StartupPacket.SslRequest.INSTANCE.encode(request);
        ctx.writeAndFlush(request);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state != State.ASKED) {
            ctx.fireChannelRead(msg);
            return;
        }
        byte answer;
        boolean more;
        try {
            ByteBuf bytes = (ByteBuf) msg;
            if (!bytes.isReadable()) {
                return;
            }
            answer = bytes.readByte();
            more = bytes.isReadable();
        } finally {
            ReferenceCountUtil.release(msg);
        }
        SslMode mode = tls.mode(backend);
        if (more) {
            // Nothing may come before the handshake: such bytes were not protected (CVE-2021-23222).
            fail(ctx, "the server sent unencrypted data after its answer to pgsteer's SSLRequest");
        } else if (answer == 'S') {
            state = State.HANDSHAKING;
            SslHandler handler = tls.newHandler(backend, host, port, ctx.alloc());
            ctx.pipeline().addBefore(ctx.name(), "tls", handler);
            handler.handshakeFuture().addListener(done -> {
                if (done.isSuccess()) {
                    proceed(ctx);
                } else {
                    fail(ctx, "TLS handshake failed (sslmode " + mode.configName() + "): " + describe(done.cause()));
                }
            });
        } else if (answer == 'N' && !mode.requiresTls()) {
            proceed(ctx);
        } else if (answer == 'N') {
            fail(ctx, "the server does not accept TLS (it answered 'N' to pgsteer's SSLRequest), and sslmode is "
                    + mode.configName());
        } else {
            fail(ctx, "the server answered pgsteer's SSLRequest with '" + (char) answer + "', neither 'S' nor 'N'");
        }
    }

    private void proceed(ChannelHandlerContext ctx) {
        if (state == State.DONE || state == State.FAILED || !ctx.channel().isActive()) {
            return;
        }
        state = State.DONE;
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        if (state == State.DONE || state == State.FAILED) {
            return;
        }
        state = State.FAILED;
        onFailure.accept(why);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.DONE) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        if (state == State.FAILED) {
            return;
        }
        fail(ctx, "TLS handshake failed (sslmode " + tls.mode(backend).configName() + "): " + describe(cause));
    }

    private static String describe(Throwable cause) {
        Throwable shown = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        return shown.getMessage() == null ? shown.getClass().getSimpleName() : shown.getMessage();
    }
}
