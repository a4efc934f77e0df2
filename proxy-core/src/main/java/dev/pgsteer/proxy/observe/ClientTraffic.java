package dev.pgsteer.proxy.observe;

import dev.pgsteer.protocol.message.StartupPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts one client connection's traffic for its logical database: bytes of the messages it sent
 * (after the startup packet), bytes pgsteer wrote to it, and the ErrorResponses among those by
 * SQLSTATE class. It sits between the frame decoder and the message encoder, so it reads whole
 * frames coming in and encoded bytes going out; the database is known from the startup packet on.
 * Counts add up in plain fields and reach the shared counters once per read batch and per flush,
 * not once per message.
 */
public final class ClientTraffic extends ChannelDuplexHandler {
    private final ProxyMetrics metrics;
    private ProxyMetrics.DatabaseMeters meters;
    private long received;
    private long sent;
    private boolean ended;
    private final ErrorClassScanner errors = new ErrorClassScanner(this::error);

    public ClientTraffic(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    /** The database's meters; before the startup packet named one, those of {@link ProxyMetrics#UNKNOWN_DATABASE}. */
    private ProxyMetrics.DatabaseMeters meters() {
        return meters != null ? meters : metrics.database(null);
    }

    private void error(String sqlStateClass) {
        meters().error(sqlStateClass);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBufHolder frame) {
            received += frame.content().readableBytes();
        } else if (msg instanceof StartupPacket.StartupMessage startup && meters == null) {
            // Bytes counted so far (an SSLRequest's answer) wait for this name rather than go to "unknown".
            String user = startup.parameters().getOrDefault("user", "");
            String database = startup.parameters().getOrDefault("database", "");
            meters = metrics.database(database.isEmpty() ? user : database);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushReceived();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ByteBuf bytes = msg instanceof ByteBuf buf ? buf : msg instanceof ByteBufHolder holder ? holder.content() : null;
        if (bytes != null) {
            sent += bytes.readableBytes();
            errors.scan(bytes);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        flushSent();
        ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ended = true;
        flushReceived();
        flushSent();
        ctx.fireChannelInactive();
    }

    private void flushReceived() {
        if (received > 0 && (meters != null || ended)) {
            meters().received(received);
            received = 0;
        }
    }

    private void flushSent() {
        if (sent > 0 && (meters != null || ended)) {
            meters().sent(sent);
            sent = 0;
        }
    }
}
