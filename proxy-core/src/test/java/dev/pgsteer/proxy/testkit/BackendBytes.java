package dev.pgsteer.proxy.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * What a PostgreSQL server sends, as the bytes on the wire: fixtures for tests that play the backend
 * to pgsteer's real login and framing.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message Formats</a>
 */
public final class BackendBytes {
    /** 'R' | int32 8 | int32 0 */
    public static final byte[] AUTHENTICATION_OK = {'R', 0, 0, 0, 8, 0, 0, 0, 0};
    /** 'Z' | int32 5 | 'I' */
    public static final byte[] READY_FOR_QUERY_IDLE = {'Z', 0, 0, 0, 5, 'I'};
    /** 'Z' | int32 5 | 'T' */
    public static final byte[] READY_FOR_QUERY_IN_TRANSACTION = {'Z', 0, 0, 0, 5, 'T'};
    /** 'I' | int32 4: the answer to an empty query. */
    public static final byte[] EMPTY_QUERY_RESPONSE = {'I', 0, 0, 0, 4};

    private BackendBytes() {
    }

    /** 'S' | int32 len | name \0 | value \0 */
    public static byte[] parameterStatus(String name, String value) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer();
        out.writeByte('S').writeInt(4 + n.length + 1 + v.length + 1).writeBytes(n).writeByte(0).writeBytes(v).writeByte(0);
        return bytes(out);
    }

    /** 'K' | int32 12 | int32 process id | int32 secret key */
    public static byte[] backendKeyData(int processId, int secretKey) {
        return bytes(Unpooled.buffer().writeByte('K').writeInt(12).writeInt(processId).writeInt(secretKey));
    }

    /** A server that trusts the user: AuthenticationOk, two settings, its key, ReadyForQuery idle. */
    public static ByteBuf trustedLogin(int processId) {
        return Unpooled.wrappedBuffer(AUTHENTICATION_OK, parameterStatus("server_version", "17.2"),
                parameterStatus("TimeZone", "UTC"), backendKeyData(processId, 4242), READY_FOR_QUERY_IDLE);
    }

    /** An empty query's whole answer: EmptyQueryResponse, ReadyForQuery idle. */
    public static ByteBuf emptyQueryAnswer() {
        return Unpooled.wrappedBuffer(EMPTY_QUERY_RESPONSE, READY_FOR_QUERY_IDLE);
    }

    private static byte[] bytes(ByteBuf buf) {
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        buf.release();
        return out;
    }
}
