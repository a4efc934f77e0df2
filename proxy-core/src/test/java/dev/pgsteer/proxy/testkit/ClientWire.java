package dev.pgsteer.proxy.testkit;

import dev.pgsteer.protocol.codec.PgMessageEncoder;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's side of a session under test: an {@link EmbeddedChannel} with pgsteer's encoder,
 * whose written bytes are read back as one line per backend message, short enough for a table:
 *
 * <pre>
 *   C BEGIN                          CommandComplete and its tag
 *   N 25001 there is already ...     NoticeResponse: SQLSTATE and message
 *   E 25P01 SAVEPOINT can only ...   ErrorResponse: SQLSTATE and message
 *   T shards,answer,reason           RowDescription: the column names
 *   D a|b|NULL                       DataRow: the cells as text
 *   Z I                              ReadyForQuery and its status
 *   1, 2, 3, n, I                    messages without a body, by their type
 * </pre>
 */
public final class ClientWire {
    private final EmbeddedChannel channel = new EmbeddedChannel(PgMessageEncoder.INSTANCE);

    public EmbeddedChannel channel() {
        return channel;
    }

    /** What the client was sent since the last call, flushed or not. */
    public List<String> messages() {
        channel.flushOutbound();
        List<String> lines = new ArrayList<>();
        ByteBuf out;
        while ((out = channel.readOutbound()) != null) {
            try {
                while (out.isReadable()) {
                    lines.add(line(out));
                }
            } finally {
                out.release();
            }
        }
        return lines;
    }

    private static String line(ByteBuf out) {
        char type = (char) out.readByte();
        int length = out.readInt();
        ByteBuf body = out.readSlice(length - 4);
        return switch (type) {
            case 'C' -> "C " + Wire.readCString(body);
            case 'N', 'E' -> {
                ErrorResponse error = ErrorResponse.decode((byte) type, body);
                yield type + " " + error.fields().get('C') + " " + error.fields().get('M');
            }
            case 'T' -> {
                List<String> names = new ArrayList<>();
                int columns = body.readShort();
                for (int i = 0; i < columns; i++) {
                    names.add(Wire.readCString(body));
                    body.skipBytes(18);
                }
                yield "T " + String.join(",", names);
            }
            case 'D' -> {
                List<String> cells = new ArrayList<>();
                int columns = body.readShort();
                for (int i = 0; i < columns; i++) {
                    int size = body.readInt();
                    cells.add(size < 0 ? "NULL" : body.readCharSequence(size, StandardCharsets.UTF_8).toString());
                }
                yield "D " + String.join("|", cells);
            }
            case 'Z' -> "Z " + (char) body.readByte();
            default -> String.valueOf(type);
        };
    }
}
