package dev.pgsteer.proxy.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a channel was sent, one line per message, so that a test states a conversation as text:
 * {@code Q SELECT 1}, {@code Z I}, {@code C COMMIT}, {@code S application_name=app},
 * {@code E FATAL 57P01}, {@code K}; other messages by their type byte alone.
 */
public final class WireText {
    private WireText() {
    }

    /** Everything written and flushed to {@code channel} since the last call, read and released. */
    public static List<String> sent(EmbeddedChannel channel) {
        channel.runPendingTasks();
        ByteBuf all = Unpooled.buffer();
        Object written;
        while ((written = channel.readOutbound()) != null) {
            ByteBuf buffer = (ByteBuf) written;
            all.writeBytes(buffer);
            buffer.release();
        }
        List<String> lines = new ArrayList<>();
        while (all.readableBytes() >= 5) {
            char type = (char) all.readByte();
            int length = all.readInt();
            ByteBuf body = all.readSlice(length - 4);
            lines.add(line(type, body));
        }
        all.release();
        return lines;
    }

    private static String line(char type, ByteBuf body) {
        return switch (type) {
            case 'Q', 'C' -> type + " " + cString(body);
            case 'Z' -> "Z " + (char) body.readByte();
            case 'S' -> "S " + cString(body) + "=" + cString(body);
            case 'E', 'N' -> {
                String severity = null;
                String code = null;
                byte field;
                while ((field = body.readByte()) != 0) {
                    String value = cString(body);
                    if (field == 'V' || field == 'S' && severity == null) {
                        severity = value;
                    } else if (field == 'C') {
                        code = value;
                    }
                }
                yield type + " " + severity + " " + code;
            }
            default -> String.valueOf(type);
        };
    }

    private static String cString(ByteBuf body) {
        int end = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        String text = body.toString(body.readerIndex(), end - body.readerIndex(), StandardCharsets.UTF_8);
        body.readerIndex(end + 1);
        return text;
    }
}
