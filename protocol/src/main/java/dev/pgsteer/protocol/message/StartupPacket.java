package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The untyped first packets of a connection: {@code int32 length | int32 code | payload}.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public sealed interface StartupPacket permits StartupPacket.StartupMessage, StartupPacket.SslRequest,
        StartupPacket.GssEncRequest, StartupPacket.CancelRequest {

    int CANCEL_REQUEST_CODE = 80877102;
    int SSL_REQUEST_CODE = 80877103;
    int GSSENC_REQUEST_CODE = 80877104;
    int PROTOCOL_3_0 = 3 << 16;

    /** SSL and GSS requests are answered with one byte, after which the client sends another startup packet. */
    default boolean awaitsAnotherStartupPacket() {
        return false;
    }

    /** Decodes the payload after the length word. */
    static StartupPacket decode(ByteBuf packet) {
        int code = Wire.readInt(packet, "protocol version");
        return switch (code) {
            case SSL_REQUEST_CODE -> SslRequest.INSTANCE;
            case GSSENC_REQUEST_CODE -> GssEncRequest.INSTANCE;
            case CANCEL_REQUEST_CODE -> new CancelRequest(Wire.readInt(packet, "process id"), Wire.readInt(packet, "secret key"));
            default -> StartupMessage.decodeParameters(code, packet);
        };
    }

    /** {@code int32 len | int32 version | (cstring name, cstring value)* | 0}. Parameters keep the client's order. */
    record StartupMessage(int protocolVersion, Map<String, String> parameters) implements StartupPacket {
        public StartupMessage {
            parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        }

        public int majorVersion() {
            return protocolVersion >>> 16;
        }

        public int minorVersion() {
            return protocolVersion & 0xffff;
        }

        static StartupMessage decodeParameters(int version, ByteBuf packet) {
            Map<String, String> parameters = new LinkedHashMap<>();
            if (version >>> 16 == 3) {
                while (packet.isReadable() && packet.getByte(packet.readerIndex()) != 0) {
                    String name = Wire.readCString(packet);
                    parameters.put(name, Wire.readCString(packet));
                }
            }
            return new StartupMessage(version, parameters);
        }

        public void encode(ByteBuf out) {
            int length = Wire.beginUntyped(out);
            out.writeInt(protocolVersion);
            parameters.forEach((name, value) -> {
                Wire.writeCString(out, name);
                Wire.writeCString(out, value);
            });
            out.writeByte(0);
            Wire.endMessage(out, length);
        }
    }

    /** {@code int32 8 | int32 80877103}: asks the server whether it speaks TLS (answered by one byte, 'S' or 'N'). */
    enum SslRequest implements StartupPacket {
        INSTANCE;

        public void encode(ByteBuf out) {
            out.writeInt(8);
            out.writeInt(SSL_REQUEST_CODE);
        }

        @Override
        public boolean awaitsAnotherStartupPacket() {
            return true;
        }
    }

    enum GssEncRequest implements StartupPacket {
        INSTANCE;

        @Override
        public boolean awaitsAnotherStartupPacket() {
            return true;
        }
    }

    /** {@code int32 16 | int32 80877102 | int32 pid | int32 key}, sent on a connection of its own. */
    record CancelRequest(int processId, int secretKey) implements StartupPacket {
        public void encode(ByteBuf out) {
            out.writeInt(16);
            out.writeInt(CANCEL_REQUEST_CODE);
            out.writeInt(processId);
            out.writeInt(secretKey);
        }

        @Override
        public String toString() {
            return "CancelRequest[processId=" + processId + "]";
        }
    }
}
