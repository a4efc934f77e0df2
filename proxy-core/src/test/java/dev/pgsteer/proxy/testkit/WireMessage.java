package dev.pgsteer.proxy.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One typed message pgsteer sent a client, as raw bytes ({@code type | int32 len | body}), read back
 * by tests that speak the protocol byte by byte: from a socket ({@link RawWireClient},
 * {@link WireProbe}) or from a handler's {@link EmbeddedChannel} ({@link #readAll}).
 */
public record WireMessage(char type, byte[] body) {

    /** Everything written and flushed to {@code channel} since the last call, as messages, released. */
    public static List<WireMessage> readAll(EmbeddedChannel channel) {
        channel.runPendingTasks();
        ByteBuf all = Outbound.joined(channel);
        List<WireMessage> messages = new ArrayList<>();
        while (all.isReadable()) {
            char type = (char) all.readByte();
            byte[] body = new byte[all.readInt() - 4];
            all.readBytes(body);
            messages.add(new WireMessage(type, body));
        }
        all.release();
        return messages;
    }

    /** The type bytes of {@code messages} in order, such as "RSSKZ" for a login. */
    public static String types(List<WireMessage> messages) {
        StringBuilder types = new StringBuilder();
        messages.forEach(m -> types.append(m.type()));
        return types.toString();
    }

    /**
     * What a test compares: the type by name, with what tells answers of that type apart (an
     * error's SQLSTATE and message, a tag, a row's values, a transaction status).
     */
    public String summary() {
        return switch (type) {
            case '1' -> "ParseComplete";
            case '2' -> "BindComplete";
            case '3' -> "CloseComplete";
            case 'n' -> "NoData";
            case 't' -> "ParameterDescription";
            case 'T' -> "RowDescription";
            case 's' -> "PortalSuspended";
            case 'I' -> "EmptyQueryResponse";
            case 'C' -> "CommandComplete " + new String(body, 0, body.length - 1, StandardCharsets.UTF_8);
            case 'E' -> "Error " + fields().get('C') + " " + fields().get('M');
            case 'N' -> "Notice " + fields().get('C') + " " + fields().get('M');
            case 'Z' -> "ReadyForQuery " + (char) body[0];
            case 'D' -> "DataRow " + values();
            default -> String.valueOf(type);
        };
    }

    /** A DataRow's values as text (null for NULL). */
    public List<String> values() {
        ByteBuffer in = ByteBuffer.wrap(body);
        int count = in.getShort();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int length = in.getInt();
            if (length < 0) {
                values.add(null);
            } else {
                values.add(new String(body, in.position(), length, StandardCharsets.UTF_8));
                in.position(in.position() + length);
            }
        }
        return values;
    }

    /** The fields of an ErrorResponse or NoticeResponse, by field code. */
    public Map<Character, String> fields() {
        Map<Character, String> fields = new LinkedHashMap<>();
        int i = 0;
        while (i < body.length && body[i] != 0) {
            char code = (char) body[i++];
            int end = i;
            while (body[end] != 0) {
                end++;
            }
            fields.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
            i = end + 1;
        }
        return fields;
    }

    /** Whether the body holds {@code text}, read byte for byte. */
    public boolean mentions(String text) {
        return new String(body, StandardCharsets.ISO_8859_1).contains(text);
    }

    @Override
    public String toString() {
        return type == 'E' || type == 'N' ? type + fields().toString() : String.valueOf(type);
    }
}
