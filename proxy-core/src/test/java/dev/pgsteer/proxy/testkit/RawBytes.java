package dev.pgsteer.proxy.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Protocol bytes put together by hand, for tests that send what a driver would not (bad lengths,
 * mutated frames, a startup packet of their own): the pieces ({@link #cstr}, {@link #i16},
 * {@link #i32}) and the two envelopes, a typed {@link #frame} and the untyped {@link #startup}.
 *
 * <pre>
 * frame    byte type | int32 len (itself and the body) | body
 * startup  int32 len | int32 196608 (3.0) | (name \0 value \0)* | \0
 * </pre>
 */
public final class RawBytes {
    private RawBytes() {
    }

    public static byte[] frame(char type, byte[]... parts) {
        byte[] body = concat(parts);
        return concat(new byte[] {(byte) type}, i32(4 + body.length), body);
    }

    /** A startup packet of protocol 3.0 with these names and values, in pairs. */
    public static byte[] startup(String... parameters) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String text : parameters) {
            body.writeBytes(cstr(text));
        }
        body.write(0);
        byte[] bytes = body.toByteArray();
        return concat(i32(8 + bytes.length), i32(3 << 16), bytes);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    public static byte[] cstr(String text) {
        return concat(text.getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    public static byte[] i16(int value) {
        return new byte[] {(byte) (value >>> 8), (byte) value};
    }

    public static byte[] i32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }
}
