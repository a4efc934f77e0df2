package dev.pgsteer.proxy.tls;

import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.message.StartupPacket;
import dev.pgsteer.proxy.errors.ProxyErrors;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS toward one client, in the client pipeline just before the session's handler: answers an
 * SSLRequest with {@code 'S'} and puts Netty's {@link SslHandler} in front of the frame decoder, so
 * the startup packet that follows, and everything after it, travels encrypted. Under
 * {@code tls.required} a client that sends its startup packet in plain text is refused with FATAL
 * 28000, as PostgreSQL's {@code hostssl} lines refuse it. A GSSENCRequest passes on (the login
 * answers {@code 'N'}), and so does everything else.
 *
 * <p>Only in the pipeline when {@code tls:} is configured (without it the login answers every
 * SSLRequest with {@code 'N'}), and only until the startup packet has passed.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL">SSL session encryption</a>
 */
public final class ClientTls extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientTls.class);
    private static final byte[] ACCEPT = {'S'};

    private final SslContext context;
    private final boolean required;
    private boolean refused;

    public ClientTls(SslContext context, boolean required) {
        this.context = context;
        this.required = required;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof StartupPacket.SslRequest) {
            if (encrypted(ctx)) {
                throw new ProtocolViolationException("SSLRequest on a connection that is already encrypted");
            }
            // The answer leaves in plain text: it is queued at the socket before the SslHandler exists.
            ctx.writeAndFlush(Unpooled.wrappedBuffer(ACCEPT));
            ctx.pipeline().addBefore(ctx.pipeline().context(PgFrameDecoder.class).name(), "tls", context.newHandler(ctx.alloc()));
            return;
        }
        if (msg instanceof StartupPacket.StartupMessage && required && !encrypted(ctx)) {
            refused = true;
            log.info("refused a client from {} that connected without TLS (tls.required is true)", ctx.channel().remoteAddress());
            ctx.writeAndFlush(ProxyErrors.tlsRequired()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelRead(msg);
        if (msg instanceof StartupPacket.StartupMessage || msg instanceof StartupPacket.CancelRequest) {
            // The startup phase is over: nothing after it concerns this handler, so it leaves the hot path.
            ctx.pipeline().remove(this);
        }
    }

    /** An SslHandler is in the pipeline: added here after 'S', or by direct TLS at the first byte. */
    static boolean encrypted(ChannelHandlerContext ctx) {
        return ctx.pipeline().get(SslHandler.class) != null;
    }
}
