package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code 'R' | int32 len | int32 code | data}: every step of authentication, in both directions of our
 * work (we send these to clients and read them from backends).
 */
public record AuthenticationRequest(int code, byte[] data) implements BackendMessage {
    public static final byte TYPE = 'R';
    public static final int OK = 0;
    public static final int CLEARTEXT_PASSWORD = 3;
    public static final int MD5_PASSWORD = 5;
    public static final int SASL = 10;
    public static final int SASL_CONTINUE = 11;
    public static final int SASL_FINAL = 12;

    public AuthenticationRequest {
        data = data.clone();
    }

    public static AuthenticationRequest ok() {
        return new AuthenticationRequest(OK, new byte[0]);
    }

    public static AuthenticationRequest cleartextPassword() {
        return new AuthenticationRequest(CLEARTEXT_PASSWORD, new byte[0]);
    }

    public static AuthenticationRequest md5Password(byte[] salt) {
        return new AuthenticationRequest(MD5_PASSWORD, salt);
    }

    public static AuthenticationRequest sasl(List<String> mechanisms) {
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (String mechanism : mechanisms) {
            names.writeBytes(mechanism.getBytes(StandardCharsets.UTF_8));
            names.write(0);
        }
        names.write(0);
        return new AuthenticationRequest(SASL, names.toByteArray());
    }

    public static AuthenticationRequest saslContinue(byte[] serverMessage) {
        return new AuthenticationRequest(SASL_CONTINUE, serverMessage);
    }

    public static AuthenticationRequest saslFinal(byte[] serverMessage) {
        return new AuthenticationRequest(SASL_FINAL, serverMessage);
    }

    public static AuthenticationRequest decode(ByteBuf body) {
        ByteBuf in = body.duplicate();
        int code = Wire.readInt(in, "authentication code");
        return new AuthenticationRequest(code, Wire.readBytes(in, in.readableBytes(), "authentication data"));
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The mechanism names of an AuthenticationSASL request. */
    public List<String> saslMechanisms() {
        List<String> mechanisms = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                if (i == start) {
                    break;
                }
                mechanisms.add(new String(data, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return mechanisms;
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Wire.beginMessage(out, 'R');
        out.writeInt(code);
        out.writeBytes(data);
        Wire.endMessage(out, length);
    }

    @Override
    public String toString() {
        return "AuthenticationRequest[code=" + code + "]";
    }
}
