package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/** Byte fixtures for message tests: a frame from its type and body written as a string of bytes. */
public final class Fixtures {
    private Fixtures() {
    }

    /** A frame of {@code type} whose body is {@code body}'s characters, one byte each (ISO-8859-1). */
    public static Frame frame(char type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
        return new Frame(Unpooled.buffer().writeByte(type).writeInt(4 + bytes.length).writeBytes(bytes));
    }

    /** The whole message, as one character per byte; releases {@code buf}. */
    public static String bytes(ByteBuf buf) {
        try {
            return new String(ByteBufUtil.getBytes(buf), StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    /** What {@link #frame} makes of {@code type} and {@code body}, as {@link #bytes} shows it. */
    public static String message(char type, String body) {
        return bytes(frame(type, body).content());
    }

    /** A slice's bytes as text, without releasing it (a view's slice belongs to its frame). */
    public static String text(ByteBuf slice) {
        return slice.toString(StandardCharsets.ISO_8859_1);
    }
}
