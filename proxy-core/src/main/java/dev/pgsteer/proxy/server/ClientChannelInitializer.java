package dev.pgsteer.proxy.server;

import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.protocol.codec.SliceJoiner;
import dev.pgsteer.proxy.client.ClientHandler;
import dev.pgsteer.proxy.client.ClientServices;
import dev.pgsteer.proxy.client.SessionRelays;
import dev.pgsteer.proxy.observe.ClientTraffic;
import dev.pgsteer.proxy.observe.ProxyMetrics;
import dev.pgsteer.proxy.tls.ClientTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContext;
import java.util.function.Supplier;

/**
 * The pipeline of each accepted client connection, in order: direct TLS if configured, the frame
 * decoder, byte counting, write coalescing, the encoder, the in-protocol TLS upgrade, and the
 * session's handler. TLS is read per connection: a reload may replace it.
 */
final class ClientChannelInitializer extends ChannelInitializer<Channel> {
    private final Supplier<PgSteerServer.TlsState> tls;
    private final ProxyMetrics metrics;
    private final ClientServices services;
    private final SessionRelays relays;

    ClientChannelInitializer(Supplier<PgSteerServer.TlsState> tls, ProxyMetrics metrics, ClientServices services,
                             SessionRelays relays) {
        this.tls = tls;
        this.metrics = metrics;
        this.services = services;
        this.relays = relays;
    }

    @Override
    protected void initChannel(Channel channel) {
        PgSteerServer.TlsState tlsNow = tls.get();
        SslContext clientTls = tlsNow.client();
        if (clientTls != null) {
            // PostgreSQL 17's direct TLS (sslnegotiation=direct): a handshake as the first bytes.
            channel.pipeline().addLast(new OptionalSslHandler(clientTls));
        }
        channel.pipeline().addLast(
                PgFrameDecoder.forClients(PgFrameDecoder.MAX_STARTUP_PACKET),
                new ClientTraffic(metrics),
                new SliceJoiner(),
                PgMessageEncoder.INSTANCE);
        if (clientTls != null) {
            channel.pipeline().addLast(new ClientTls(clientTls, tlsNow.required()));
        }
        channel.pipeline().addLast(new ClientHandler(services, relays));
    }
}
