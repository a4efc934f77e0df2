package dev.pgsteer.protocol.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.StartupPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PgFrameDecoderTest {

    private static final byte[] STARTUP = bytes(
            0, 0, 0, 0x21, 0, 3, 0, 0,
            'u', 's', 'e', 'r', 0, 'd', 'e', 'm', 'o', 0,
            'd', 'a', 't', 'a', 'b', 'a', 's', 'e', 0, 'd', 'e', 'm', 'o', 0,
            0);
    private static final byte[] SSL_REQUEST = bytes(0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f);
    private static final byte[] SELECT_1 = bytes('Q', 0, 0, 0, 13, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0);
    private static final byte[] SYNC = bytes('S', 0, 0, 0, 4);

    @Test
    void startupPacketFedOneByteAtATimeIsDecodedOnceComplete() {
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forClients(10_000));
        for (int i = 0; i < STARTUP.length - 1; i++) {
            assertFalse(channel.writeInbound(Unpooled.wrappedBuffer(STARTUP, i, 1)));
        }
        assertTrue(channel.writeInbound(Unpooled.wrappedBuffer(STARTUP, STARTUP.length - 1, 1)));
        StartupPacket.StartupMessage startup = assertInstanceOf(StartupPacket.StartupMessage.class, channel.readInbound());
        assertEquals(3, startup.majorVersion());
        assertEquals(Map.of("user", "demo", "database", "demo"), startup.parameters());
        assertFalse(channel.finish());
    }

    @Test
    void sslRequestIsFollowedByAnotherStartupPacket() {
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forClients(10_000));
        channel.writeInbound(Unpooled.wrappedBuffer(SSL_REQUEST));
        assertEquals(StartupPacket.SslRequest.INSTANCE, channel.readInbound());
        channel.writeInbound(Unpooled.wrappedBuffer(STARTUP));
        assertInstanceOf(StartupPacket.StartupMessage.class, channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void bytesSentBeforeTheAnswerToAnSslRequestAreAProtocolViolation() {
        // A client must wait for 'S' or 'N'; what it sent before that was not encrypted (CVE-2021-23214).
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forClients(10_000));
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(SSL_REQUEST, STARTUP)));
        assertEquals("received unencrypted data after SSL request", e.getMessage());
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void framesAfterStartupArriveWholeWhateverTheFragmentation() {
        byte[] stream = concat(STARTUP, SELECT_1, SYNC);
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forClients(10_000));
        for (byte b : stream) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertInstanceOf(StartupPacket.StartupMessage.class, channel.readInbound());
        Frame query = channel.readInbound();
        Frame sync = channel.readInbound();
        try {
            assertEquals('Q', query.type());
            assertArrayEquals(SELECT_1, ByteBufUtil.getBytes(query.content()));
            assertEquals(new Query("SELECT 1"), Query.decode(query.body()));
            assertEquals('S', sync.type());
            assertEquals(0, sync.body().readableBytes());
        } finally {
            query.release();
            sync.release();
        }
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void cancelRequestIsDecoded() {
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forClients(10_000));
        channel.writeInbound(Unpooled.wrappedBuffer(bytes(0, 0, 0, 16, 0x04, (byte) 0xd2, 0x16, 0x2e, 0, 0, 0, 42, 0, 0, 0, 7)));
        assertEquals(new StartupPacket.CancelRequest(42, 7), channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void startupPacketWithAnImpossibleLengthIsAProtocolViolation() {
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forClients(10_000));
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes(0, 0, 0, 4, 0, 3, 0, 0))));
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        // After a violation the decoder drops everything: nothing half-read leaks out.
        channel.writeInbound(Unpooled.wrappedBuffer(SELECT_1));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void oversizedMessageIsRefusedFromItsHeaderBeforeTheBodyIsBuffered() {
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forBackends());
        PgFrameDecoder decoder = channel.pipeline().get(PgFrameDecoder.class);
        decoder.maxMessageSize(1024);
        ByteBuf header = Unpooled.wrappedBuffer(bytes('Q', 0x10, 0, 0, 0));
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class, () -> channel.writeInbound(header));
        assertEquals(SqlState.PROGRAM_LIMIT_EXCEEDED, e.sqlState());
        assertFalse(channel.finish());
    }

    @Test
    void lengthShorterThanItselfIsAProtocolViolation() {
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forBackends());
        assertThrows(ProtocolViolationException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes('Q', 0, 0, 0, 3))));
        assertFalse(channel.finish());
    }

    @Test
    void aClientsUnknownTypeIsRefusedFromItsTypeByteWithoutWaitingForTheRest() {
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forClients(10_000));
        channel.writeInbound(Unpooled.wrappedBuffer(STARTUP));
        assertInstanceOf(StartupPacket.StartupMessage.class, channel.readInbound());
        // 'z' claiming a megabyte: PostgreSQL answers the type byte alone, so does the decoder.
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes('z'))));
        assertEquals("invalid frontend message type 122", e.getMessage());
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        channel.writeInbound(Unpooled.wrappedBuffer(SELECT_1));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void framesBeforeABadTypeInTheSameReadStillArriveFirst() {
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forClients(10_000));
        channel.writeInbound(Unpooled.wrappedBuffer(STARTUP));
        assertInstanceOf(StartupPacket.StartupMessage.class, channel.readInbound());
        assertThrows(ProtocolViolationException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(concat(SELECT_1, bytes(0, 0, 0, 0, 4)))));
        Frame query = channel.readInbound();
        assertEquals('Q', query.type());
        query.release();
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void aSmallTypeLongerThanPostgresAllowsIsRefusedFromItsHeader() {
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forClients(10_000));
        channel.writeInbound(Unpooled.wrappedBuffer(STARTUP));
        assertInstanceOf(StartupPacket.StartupMessage.class, channel.readInbound());
        channel.pipeline().get(PgFrameDecoder.class).maxMessageSize(PgFrameDecoder.MAX_MESSAGE);
        // A Sync of 20000 bytes: a Query may be that long, a Sync may not (PQ_SMALL_MESSAGE_LIMIT).
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(bytes('S', 0, 0, 0x4e, 0x20))));
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        assertTrue(e.getMessage().startsWith("invalid message length 20000"), e.getMessage());
        assertFalse(channel.finish());
    }

    @Test
    void aBackendsTypesAreNotAClientsAndPassUnchecked() {
        EmbeddedChannel channel = new EmbeddedChannel(PgFrameDecoder.forBackends());
        channel.writeInbound(Unpooled.wrappedBuffer(bytes('Z', 0, 0, 0, 5, 'I')));
        Frame ready = channel.readInbound();
        assertEquals('Z', ready.type());
        ready.release();
        assertFalse(channel.finish());
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuf buf = Unpooled.buffer();
        for (byte[] part : parts) {
            buf.writeBytes(part);
        }
        byte[] out = ByteBufUtil.getBytes(buf);
        buf.release();
        return out;
    }
}
