package dev.pgsteer.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.codec.PgFrameDecoder;
import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.StartupPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** pgsteer's answers to a client's SSLRequest and plain startup, byte for byte, on an EmbeddedChannel. */
class ClientTlsTest {
    private static final byte[] SSL_REQUEST = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f};
    private static final byte[] GSSENC_REQUEST = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x30};
    static SslContext context;

    @BeforeAll
    static void certificate() throws Exception {
        Certificates.Issued issued = Certificates.issue("localhost", List.of("localhost"), false, null, Duration.ofHours(1));
        context = SslContextBuilder.forServer(issued.keys().getPrivate(), issued.certificate()).build();
    }

    private static EmbeddedChannel client(boolean required) {
        return new EmbeddedChannel(PgFrameDecoder.forClients(PgFrameDecoder.MAX_STARTUP_PACKET), PgMessageEncoder.INSTANCE,
                new ClientTls(context, required));
    }

    private static byte[] startup() {
        ByteBuf buf = Unpooled.buffer();
        new StartupPacket.StartupMessage(StartupPacket.PROTOCOL_3_0, Map.of("user", "app", "database", "app")).encode(buf);
        byte[] bytes = ByteBufUtil.getBytes(buf);
        buf.release();
        return bytes;
    }

    private static byte[] outbound(EmbeddedChannel channel) {
        ByteBuf out = channel.readOutbound();
        assertNotNull(out, "pgsteer wrote something");
        try {
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    @Test
    void anSslRequestIsAnsweredSAndTlsGoesInFrontOfTheDecoder() {
        EmbeddedChannel channel = client(false);
        assertFalse(channel.writeInbound(Unpooled.wrappedBuffer(SSL_REQUEST)), "the request does not reach the login");
        assertArrayEquals(new byte[] {'S'}, outbound(channel));
        List<String> names = channel.pipeline().names();
        assertInstanceOf(SslHandler.class, channel.pipeline().first());
        assertTrue(names.indexOf("tls") < names.indexOf(channel.pipeline().context(PgFrameDecoder.class).name()), names.toString());
        channel.finishAndReleaseAll();
    }

    @Test
    void aGssencRequestPassesOnToTheLoginWhichAnswersN() {
        EmbeddedChannel channel = client(true);
        assertTrue(channel.writeInbound(Unpooled.wrappedBuffer(GSSENC_REQUEST)));
        assertEquals(StartupPacket.GssEncRequest.INSTANCE, channel.readInbound());
        assertNull(channel.pipeline().get(SslHandler.class));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void withoutTheRequirementAPlainStartupPassesOn() {
        EmbeddedChannel channel = client(false);
        assertTrue(channel.writeInbound(Unpooled.wrappedBuffer(startup())));
        assertInstanceOf(StartupPacket.StartupMessage.class, channel.readInbound());
        assertNull(channel.pipeline().get(ClientTls.class), "off the hot path once the startup packet has passed");
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void underTheRequirementAPlainStartupGetsFatal28000AndTheConnectionCloses() {
        EmbeddedChannel channel = client(true);
        assertFalse(channel.writeInbound(Unpooled.wrappedBuffer(startup())), "the login never sees it");
        ByteBuf out = Unpooled.wrappedBuffer(outbound(channel));
        assertEquals('E', out.readByte());
        out.readInt();
        ErrorResponse error = ErrorResponse.decode(ErrorResponse.ERROR, out);
        assertEquals("FATAL", error.fields().get(ErrorResponse.SEVERITY));
        assertEquals("28000", error.sqlState());
        assertEquals("pgsteer requires TLS: connect with sslmode=require (or verify-full)", error.message());
        assertFalse(channel.isOpen());
        channel.finishAndReleaseAll();
    }
}
