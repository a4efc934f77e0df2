package dev.pgsteer.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.protocol.message.AuthenticationRequest;
import dev.pgsteer.protocol.message.BackendKeyData;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.StartupPacket;
import dev.pgsteer.protocol.message.TransactionStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageEncodingTest {

    @Test
    void aQueryOfBytesIsWrittenAsItIs() {
        ByteBuf out = Query.encode(ByteBufAllocator.DEFAULT, "LISTEN t_acme_jobs".getBytes(StandardCharsets.UTF_8));
        try {
            assertEquals("Q\0\0\0\u0017LISTEN t_acme_jobs\0", out.toString(StandardCharsets.ISO_8859_1));
        } finally {
            out.release();
        }
    }

    @Test
    void anSslRequestIsItsLengthAndItsCode() {
        ByteBuf out = Unpooled.buffer();
        StartupPacket.SslRequest.INSTANCE.encode(out);
        assertArrayEquals(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f}, ByteBufUtil.getBytes(out));
        assertEquals(StartupPacket.SslRequest.INSTANCE, StartupPacket.decode(out.skipBytes(4)));
        out.release();
    }

    @Test
    void readyForQueryCarriesTheTransactionStatus() {
        assertArrayEquals(new byte[] {'Z', 0, 0, 0, 5, 'I'}, encode(ReadyForQuery.IDLE));
        assertArrayEquals(new byte[] {'Z', 0, 0, 0, 5, 'E'}, encode(new ReadyForQuery(TransactionStatus.FAILED)));
    }

    @Test
    void backendKeyDataIsTwelveBytesLong() {
        assertArrayEquals(new byte[] {'K', 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 2}, encode(new BackendKeyData(1, 2)));
    }

    @Test
    void parameterStatusIsTwoCStrings() {
        assertArrayEquals(new byte[] {'S', 0, 0, 0, 9, 'a', 0, 'b', 'c', 0}, encode(new ParameterStatus("a", "bc")));
    }

    @Test
    void saslRequestListsMechanismsEndingInAnEmptyName() {
        byte[] expected = {'R', 0, 0, 0, 23, 0, 0, 0, 10, 'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '2', '5', '6', 0, 0};
        AuthenticationRequest sasl = AuthenticationRequest.sasl(List.of("SCRAM-SHA-256"));
        assertArrayEquals(expected, encode(sasl));
        assertEquals(List.of("SCRAM-SHA-256"), sasl.saslMechanisms());
    }

    @Test
    void errorResponseRoundTripsItsFields() {
        ErrorResponse error = ErrorResponse.of(ErrorResponse.Severity.FATAL, SqlState.INVALID_PASSWORD, "password authentication failed for user \"x\"");
        ByteBuf buf = Unpooled.wrappedBuffer(encode(error));
        ErrorResponse decoded = ErrorResponse.decode(buf.readByte(), buf.skipBytes(4));
        assertEquals(error, decoded);
        assertEquals("28P01", decoded.sqlState());
        assertEquals(true, decoded.isFatal());
    }

    private static byte[] encode(dev.pgsteer.protocol.message.BackendMessage message) {
        ByteBuf out = Unpooled.buffer();
        message.encode(out);
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        return bytes;
    }
}
