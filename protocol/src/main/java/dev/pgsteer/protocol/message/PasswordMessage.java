package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * {@code 'p' | int32 len | payload}. The same type byte carries PasswordMessage, SASLInitialResponse
 * and SASLResponse; which one it is depends on what the server asked for, so the payload is read
 * through the accessor that matches the exchange.
 */
public record PasswordMessage(byte[] payload) implements FrontendMessage {
    public static final byte TYPE = 'p';

    public PasswordMessage {
        payload = payload.clone();
    }

    public static PasswordMessage decode(ByteBuf body) {
        return new PasswordMessage(Wire.readBytes(body.duplicate(), body.readableBytes(), "password"));
    }

    public static PasswordMessage cleartext(String password) {
        byte[] text = password.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[text.length + 1];
        System.arraycopy(text, 0, payload, 0, text.length);
        return new PasswordMessage(payload);
    }

    /** {@code cstring mechanism | int32 length (-1: none) | bytes}. */
    public static PasswordMessage saslInitialResponse(String mechanism, byte[] data) {
        byte[] name = mechanism.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = Unpooled.buffer(name.length + 5 + data.length);
        try {
            buf.writeBytes(name).writeByte(0).writeInt(data.length).writeBytes(data);
            byte[] payload = new byte[buf.readableBytes()];
            buf.readBytes(payload);
            return new PasswordMessage(payload);
        } finally {
            buf.release();
        }
    }

    public static PasswordMessage saslResponse(byte[] data) {
        return new PasswordMessage(data);
    }

    /**
     * The password of a cleartext or MD5 PasswordMessage, without its terminator. Like PostgreSQL,
     * a packet whose string ends before the packet does is refused, not read up to its first NUL.
     */
    public String password() {
        int end = payload.length;
        if (end == 0 || payload[end - 1] != 0) {
            throw new ProtocolViolationException("invalid password packet: missing terminator");
        }
        for (int i = 0; i < end - 1; i++) {
            if (payload[i] == 0) {
                throw new ProtocolViolationException("invalid password packet size");
            }
        }
        return new String(payload, 0, end - 1, StandardCharsets.UTF_8);
    }

    public byte[] saslData() {
        return payload.clone();
    }

    /** The mechanism and first client message of a SASLInitialResponse. */
    public SaslInitial saslInitial() {
        ByteBuf in = Unpooled.wrappedBuffer(payload);
        String mechanism = Wire.readCString(in);
        int length = Wire.readInt(in, "SASL data length");
        byte[] data = length < 0 ? new byte[0] : Wire.readBytes(in, length, "SASL data");
        if (in.isReadable()) {
            throw new ProtocolViolationException("invalid SASLInitialResponse: trailing bytes");
        }
        return new SaslInitial(mechanism, data);
    }

    public record SaslInitial(String mechanism, byte[] data) {
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Wire.beginMessage(out, 'p');
        out.writeBytes(payload);
        Wire.endMessage(out, length);
    }

    @Override
    public String toString() {
        return "PasswordMessage[" + payload.length + " bytes]";
    }
}
