package dev.pgsteer.proxy.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * What a PostgreSQL server sends, as the bytes on the wire, written out field by field as the
 * protocol chapter lays them out: fixtures for tests that play the backend to pgsteer's real login
 * and framing ({@link FakeBackend}). Each returns a new buffer the caller owns.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public final class BackendBytes {
    private BackendBytes() {
    }

    /** {@code 'R' | int32 8 | int32 0}: AuthenticationOk. */
    public static ByteBuf authenticationOk() {
        return message('R', new byte[] {0, 0, 0, 0});
    }

    /** {@code 'S' | int32 len | name\0 | value\0} */
    public static ByteBuf parameterStatus(String name, String value) {
        return message('S', concat(cString(name), cString(value)));
    }

    /** {@code 'K' | int32 12 | int32 pid | int32 key} */
    public static ByteBuf backendKeyData(int processId, int secretKey) {
        ByteBuf body = Unpooled.buffer(8).writeInt(processId).writeInt(secretKey);
        return message('K', bytes(body));
    }

    /** {@code 'Z' | int32 5 | byte status}: 'I' idle, 'T' in a transaction, 'E' in a failed one. */
    public static ByteBuf readyForQuery(char status) {
        return message('Z', new byte[] {(byte) status});
    }

    /** {@code 'C' | int32 len | tag\0} */
    public static ByteBuf commandComplete(String tag) {
        return message('C', cString(tag));
    }

    /** {@code 'I' | int32 4}: the answer to an empty query. */
    public static ByteBuf emptyQueryResponse() {
        return message('I', new byte[0]);
    }

    /** {@code 'T' | int32 len | int16 n | per column: name\0 int32 0 int16 0 int32 25 (text) int16 -1 int32 -1 int16 0} */
    public static ByteBuf rowDescription(String... columns) {
        ByteBuf body = Unpooled.buffer().writeShort(columns.length);
        for (String column : columns) {
            body.writeBytes(cString(column)).writeInt(0).writeShort(0).writeInt(25).writeShort(-1).writeInt(-1).writeShort(0);
        }
        return message('T', bytes(body));
    }

    /** {@code 'D' | int32 len | int16 n | per value: int32 length (-1 for NULL) | bytes} */
    public static ByteBuf dataRow(String... values) {
        ByteBuf body = Unpooled.buffer().writeShort(values.length);
        for (String value : values) {
            if (value == null) {
                body.writeInt(-1);
            } else {
                byte[] text = value.getBytes(StandardCharsets.UTF_8);
                body.writeInt(text.length).writeBytes(text);
            }
        }
        return message('D', bytes(body));
    }

    /** {@code 'E' | int32 len | 'S' severity\0 'V' severity\0 'C' code\0 'M' message\0 \0} */
    public static ByteBuf error(String severity, String sqlState, String text) {
        return message('E', concat(field('S', severity), field('V', severity), field('C', sqlState), field('M', text),
                new byte[] {0}));
    }

    /** Several messages in one buffer, as one read from a socket brings them. */
    public static ByteBuf together(ByteBuf... messages) {
        return Unpooled.wrappedBuffer(messages);
    }

    /** A server that trusts the user: AuthenticationOk, two settings, its key, ReadyForQuery idle. */
    public static ByteBuf trustedLogin(int processId) {
        return together(authenticationOk(), parameterStatus("server_version", "17.2"), parameterStatus("TimeZone", "UTC"),
                backendKeyData(processId, 4242), readyForQuery('I'));
    }

    /** An empty query's whole answer: EmptyQueryResponse, ReadyForQuery idle. */
    public static ByteBuf emptyQueryAnswer() {
        return together(emptyQueryResponse(), readyForQuery('I'));
    }

    private static ByteBuf message(char type, byte[] body) {
        return Unpooled.buffer(5 + body.length).writeByte(type).writeInt(4 + body.length).writeBytes(body);
    }

    private static byte[] field(char code, String value) {
        return concat(new byte[] {(byte) code}, cString(value));
    }

    private static byte[] cString(String text) {
        return concat(text.getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuf out = Unpooled.buffer();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return bytes(out);
    }

    private static byte[] bytes(ByteBuf buffer) {
        byte[] out = new byte[buffer.readableBytes()];
        buffer.readBytes(out);
        buffer.release();
        return out;
    }
}
