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
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.protocol.wire.FrameHead;
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

    /** A decoder past the startup phase that streams Binds and CopyData longer than {@code above}. */
    private static EmbeddedChannel streaming(int above) {
        PgFrameDecoder decoder = PgFrameDecoder.forBackends();
        decoder.streamLarge(above, type -> type == 'B' || type == 'd');
        return new EmbeddedChannel(decoder);
    }

    /** A message of {@code type} whose body is {@code bodyLength} bytes counting up from 0. */
    private static byte[] message(char type, int bodyLength) {
        ByteBuf buf = Unpooled.buffer(5 + bodyLength);
        buf.writeByte(type).writeInt(4 + bodyLength);
        for (int i = 0; i < bodyLength; i++) {
            buf.writeByte(i);
        }
        byte[] out = ByteBufUtil.getBytes(buf);
        buf.release();
        return out;
    }

    /** Everything the channel decoded, as bytes, releasing it; heads and chunks in the order they came. */
    private static java.util.List<Object> drain(EmbeddedChannel channel) {
        java.util.List<Object> out = new java.util.ArrayList<>();
        Object message;
        while ((message = channel.readInbound()) != null) {
            out.add(message);
        }
        return out;
    }

    private static byte[] joined(java.util.List<Object> pieces) {
        ByteBuf all = Unpooled.buffer();
        for (Object piece : pieces) {
            io.netty.buffer.ByteBufHolder holder = (io.netty.buffer.ByteBufHolder) piece;
            all.writeBytes(holder.content(), holder.content().readerIndex(), holder.content().readableBytes());
            holder.release();
        }
        byte[] out = ByteBufUtil.getBytes(all);
        all.release();
        return out;
    }

    @Test
    void aLargeMessageOfAStreamedTypeComesAsItsHeadThenItsBytesAsTheyAreRead() {
        EmbeddedChannel channel = streaming(16 * 1024);
        byte[] bind = message('B', 100_000);
        channel.writeInbound(Unpooled.wrappedBuffer(bind, 0, 10_000));
        java.util.List<Object> first = drain(channel);
        FrameHead head = assertInstanceOf(FrameHead.class, first.get(0));
        assertEquals('B', head.type());
        assertEquals(PgFrameDecoder.STREAM_HEAD, head.length());
        assertEquals(bind.length - PgFrameDecoder.STREAM_HEAD, head.bytesToFollow());
        assertEquals(100_004, head.content().getInt(1), "the length word is the whole message's");
        FrameChunk rest = assertInstanceOf(FrameChunk.class, first.get(1));
        assertEquals(10_000 - PgFrameDecoder.STREAM_HEAD, rest.content().readableBytes(), "what was read, at once");
        assertFalse(rest.last());
        assertEquals(2, first.size());

        channel.writeInbound(Unpooled.wrappedBuffer(bind, 10_000, 50_000));
        java.util.List<Object> second = drain(channel);
        assertEquals(1, second.size());
        assertFalse(((FrameChunk) second.get(0)).last());

        channel.writeInbound(Unpooled.wrappedBuffer(bind, 60_000, bind.length - 60_000));
        java.util.List<Object> third = drain(channel);
        assertTrue(((FrameChunk) third.get(0)).last());

        java.util.List<Object> all = new java.util.ArrayList<>(first);
        all.addAll(second);
        all.addAll(third);
        assertArrayEquals(bind, joined(all), "head and chunks are the message, byte for byte");
        assertFalse(channel.finish());
    }

    @Test
    void theHeadWaitsForItsBytesAndThenEveryByteReadIsPassedOn() {
        EmbeddedChannel channel = streaming(16 * 1024);
        byte[] copyData = message('d', 20_000);
        java.util.List<Object> pieces = new java.util.ArrayList<>();
        for (int i = 0; i < copyData.length; i += 1000) {
            channel.writeInbound(Unpooled.wrappedBuffer(copyData, i, Math.min(1000, copyData.length - i)));
            java.util.List<Object> read = drain(channel);
            if (i + 1000 < PgFrameDecoder.STREAM_HEAD) {
                assertTrue(read.isEmpty(), "nothing before the head is complete");
            } else {
                assertFalse(read.isEmpty(), "each read is passed on once the head went, after " + (i + 1000));
            }
            pieces.addAll(read);
        }
        assertInstanceOf(FrameHead.class, pieces.get(0));
        assertTrue(((FrameChunk) pieces.get(pieces.size() - 1)).last());
        assertArrayEquals(copyData, joined(pieces));
        assertFalse(channel.finish());
    }

    @Test
    void whatFollowsAStreamedMessageInTheSameReadIsDecodedAsBefore() {
        EmbeddedChannel channel = streaming(16 * 1024);
        byte[] bind = message('B', 30_000);
        channel.writeInbound(Unpooled.wrappedBuffer(concat(bind, SYNC, SELECT_1)));
        java.util.List<Object> read = drain(channel);
        assertEquals(4, read.size());
        assertInstanceOf(FrameHead.class, read.get(0));
        assertTrue(assertInstanceOf(FrameChunk.class, read.get(1)).last());
        Frame sync = assertInstanceOf(Frame.class, read.get(2));
        Frame query = assertInstanceOf(Frame.class, read.get(3));
        assertArrayEquals(SYNC, ByteBufUtil.getBytes(sync.content()));
        assertArrayEquals(SELECT_1, ByteBufUtil.getBytes(query.content()));
        assertArrayEquals(bind, joined(read.subList(0, 2)));
        sync.release();
        query.release();
        assertFalse(channel.finish());
    }

    @Test
    void largeMessagesOfOtherTypesAndMessagesUpToTheThresholdAreStillWhole() {
        EmbeddedChannel channel = streaming(16 * 1024);
        byte[] query = message('Q', 40_000);
        byte[] smallBind = message('B', 16 * 1024 - 4);
        channel.writeInbound(Unpooled.wrappedBuffer(concat(query, smallBind)));
        Frame whole = assertInstanceOf(Frame.class, channel.readInbound());
        Frame small = assertInstanceOf(Frame.class, channel.readInbound());
        assertFalse(whole instanceof FrameHead);
        assertFalse(small instanceof FrameHead);
        assertArrayEquals(query, ByteBufUtil.getBytes(whole.content()));
        assertArrayEquals(smallBind, ByteBufUtil.getBytes(small.content()));
        whole.release();
        small.release();
        assertFalse(channel.finish());
    }

    @Test
    void theDecoderKeepsNoneOfAStreamedMessageOnceItsPiecesAreReleased() {
        EmbeddedChannel channel = streaming(16 * 1024);
        byte[] bind = message('B', 200_000);
        java.util.List<ByteBuf> reads = new java.util.ArrayList<>();
        for (int i = 0; i < bind.length; i += 64 * 1024) {
            ByteBuf read = Unpooled.copiedBuffer(bind, i, Math.min(64 * 1024, bind.length - i));
            reads.add(read);
            channel.writeInbound(read);
            joined(drain(channel));
        }
        for (ByteBuf read : reads) {
            assertEquals(0, read.refCnt(), "every buffer read was passed on and freed, none kept to assemble the message");
        }
        assertFalse(channel.finish());
    }

    @Test
    void aStreamedMessageIsStillRefusedAboveTheLimit() {
        EmbeddedChannel channel = streaming(16 * 1024);
        channel.pipeline().get(PgFrameDecoder.class).maxMessageSize(100_000);
        ProtocolViolationException e = assertThrows(ProtocolViolationException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(message('B', 100_000))));
        assertEquals(SqlState.PROGRAM_LIMIT_EXCEEDED, e.sqlState());
        assertFalse(channel.finish());
    }

    @Test
    void aThresholdBelowTheHeadIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> PgFrameDecoder.forBackends().streamLarge(PgFrameDecoder.STREAM_HEAD - 1, type -> true));
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
