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
 *   E FATAL 57P01 terminating ...    the severity too when it ends the session (FATAL, PANIC)
 *   T shards,answer,reason           RowDescription: the column names
 *   D a|b|NULL                       DataRow: the cells as text
 *   S application_name=app           ParameterStatus: name and value
 *   Z I                              ReadyForQuery and its status
 *   1, 2, 3, n, I, K                 other messages, by their type
 * </pre>
 */
public final class ClientWire {
    private final EmbeddedChannel channel = new EmbeddedChannel(PgMessageEncoder.INSTANCE);

    public EmbeddedChannel channel() {
        return channel;
    }

    /** What the client was sent since the last call, flushed or not: what pgsteer wrote. */
    public List<String> messages() {
        channel.flushOutbound();
        return read();
    }

    /** What reached the client since the last call: only what was flushed. */
    public List<String> received() {
        channel.runPendingTasks();
        return read();
    }

    /** Releases whatever the client was sent and the test did not read. */
    public void close() {
        channel.finishAndReleaseAll();
    }

    private List<String> read() {
        ByteBuf all = Outbound.joined(channel);
        List<String> lines = new ArrayList<>();
        while (all.readableBytes() >= 5) {
            lines.add(line(all));
        }
        all.release();
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
                String severity = error.fields().getOrDefault('V', error.fields().get('S'));
                String ending = "FATAL".equals(severity) || "PANIC".equals(severity) ? severity + " " : "";
                yield type + " " + ending + error.fields().get('C') + " " + error.fields().get('M');
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
            case 'S' -> "S " + Wire.readCString(body) + "=" + Wire.readCString(body);
            case 'Z' -> "Z " + (char) body.readByte();
            default -> String.valueOf(type);
        };
    }
}
