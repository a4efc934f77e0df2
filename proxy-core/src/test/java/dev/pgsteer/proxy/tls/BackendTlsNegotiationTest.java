package dev.pgsteer.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.config.BackendConfig;
import dev.pgsteer.config.BackendUrl;
import dev.pgsteer.config.SslMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SSLRequest pgsteer sends a backend and what it does with each answer, per sslmode. */
class BackendTlsNegotiationTest {
    private static final byte[] SSL_REQUEST = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f};

    private final List<String> failures = new ArrayList<>();
    private boolean active;

    private EmbeddedChannel connect(SslMode mode) {
        BackendConfig main = new BackendConfig("main", BackendUrl.parse("postgresql://app@db.example.com/app"), mode, null);
        BackendTls tls = BackendTls.of(Map.of("main", main));
        EmbeddedChannel channel = new EmbeddedChannel(new BackendTlsNegotiation(tls, "main", "db.example.com", 5432, failures::add),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        active = true;
                    }
                });
        ByteBuf request = channel.readOutbound();
        try {
            assertArrayEquals(SSL_REQUEST, ByteBufUtil.getBytes(request), "the first bytes are an SSLRequest");
        } finally {
            request.release();
        }
        assertFalse(active, "the login waits for the answer");
        return channel;
    }

    @Test
    void preferGoesOnInPlainTextWhenTheServerSaysN() {
        EmbeddedChannel channel = connect(SslMode.PREFER);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'N'}));
        assertTrue(active);
        assertNull(channel.pipeline().get(BackendTlsNegotiation.class), "out of the way once done");
        assertEquals(List.of(), failures);
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void requireFailsWhenTheServerSaysN() {
        EmbeddedChannel channel = connect(SslMode.REQUIRE);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'N'}));
        assertFalse(active);
        assertEquals(List.of("the server does not accept TLS (it answered 'N' to pgsteer's SSLRequest), and sslmode is require"),
                failures);
        assertFalse(channel.isOpen());
        channel.finishAndReleaseAll();
    }

    @Test
    void bytesAfterTheAnswerAreRefusedWhateverTheAnswer() {
        EmbeddedChannel channel = connect(SslMode.PREFER);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'S', 'E', 0, 0, 0, 4}));
        assertFalse(active);
        assertEquals(List.of("the server sent unencrypted data after its answer to pgsteer's SSLRequest"), failures);
        assertFalse(channel.isOpen());
        channel.finishAndReleaseAll();
    }

    @Test
    void anAnswerThatIsNeitherSNorNFails() {
        EmbeddedChannel channel = connect(SslMode.PREFER);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'E'}));
        assertEquals(List.of("the server answered pgsteer's SSLRequest with 'E', neither 'S' nor 'N'"), failures);
        channel.finishAndReleaseAll();
    }

    @Test
    void onSATlsHandshakeStartsBeforeTheLogin() {
        EmbeddedChannel channel = connect(SslMode.REQUIRE);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'S'}));
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        assertNotNull(handler);
        assertTrue(handler.engine().getUseClientMode());
        ByteBuf hello = channel.readOutbound();
        assertNotNull(hello, "a ClientHello went out");
        assertEquals(0x16, hello.getByte(hello.readerIndex()), "a TLS handshake record");
        hello.release();
        assertFalse(active, "the login waits for the handshake");
        channel.finishAndReleaseAll();
    }

    @Test
    void verifyFullChecksTheHostNameAndTheOtherModesDoNot() throws Exception {
        java.nio.file.Path ca = java.nio.file.Files.createTempFile("ca", ".crt");
        Certificates.issue("ca", List.of(), true, null, java.time.Duration.ofHours(1)).write(ca,
                java.nio.file.Files.createTempFile("ca", ".key"));
        for (SslMode mode : SslMode.values()) {
            BackendConfig main = new BackendConfig("main", BackendUrl.parse("postgresql://app@db.example.com/app"), mode,
                    mode.verifiesCertificate() ? ca : null);
            SslHandler handler = BackendTls.of(Map.of("main", main)).newHandler("main", "db.example.com", 5432,
                    io.netty.buffer.ByteBufAllocator.DEFAULT);
            assertEquals(mode == SslMode.VERIFY_FULL ? "HTTPS" : null,
                    handler.engine().getSSLParameters().getEndpointIdentificationAlgorithm(), mode.configName());
        }
    }
}
