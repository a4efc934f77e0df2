package dev.pgsteer.protocol.wire;

import dev.pgsteer.protocol.ProtocolViolationException;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** The protocol's primitive encodings: NUL-terminated strings and length words patched after the body. */
public final class Wire {
    private Wire() {
    }

    /** Writes the type byte and a placeholder length; returns the index {@link #endMessage} patches. */
    public static int beginMessage(ByteBuf out, char type) {
        out.writeByte(type);
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        return lengthIndex;
    }

    /** For untyped startup packets, whose length word comes first. */
    public static int beginUntyped(ByteBuf out) {
        int lengthIndex = out.writerIndex();
        out.writeInt(0);
        return lengthIndex;
    }

    public static void endMessage(ByteBuf out, int lengthIndex) {
        out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
    }

    public static void writeCString(ByteBuf out, String value) {
        out.writeCharSequence(value, StandardCharsets.UTF_8);
        out.writeByte(0);
    }

    /** Reads a NUL-terminated UTF-8 string and moves past its terminator. */
    public static String readCString(ByteBuf in) {
        int end = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolViolationException("invalid string in message: missing terminator");
        }
        String value = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.UTF_8);
        in.readerIndex(end + 1);
        return value;
    }

    public static int readInt(ByteBuf in, String what) {
        if (in.readableBytes() < 4) {
            throw new ProtocolViolationException("message too short: missing " + what);
        }
        return in.readInt();
    }

    public static byte[] readBytes(ByteBuf in, int length, String what) {
        if (length < 0 || in.readableBytes() < length) {
            throw new ProtocolViolationException("message too short: " + what + " of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        return bytes;
    }
}
