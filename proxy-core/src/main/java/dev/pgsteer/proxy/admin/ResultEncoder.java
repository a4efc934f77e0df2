package dev.pgsteer.proxy.admin;

import dev.pgsteer.protocol.message.backend.DataRow;
import dev.pgsteer.protocol.message.backend.ParameterDescription;
import dev.pgsteer.protocol.message.backend.RowDescription.Field;
import dev.pgsteer.protocol.message.backend.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A console answer's columns and values as protocol messages, in text or, where a Bind asked for it,
 * binary format. The layouts are the protocol module's ({@link RowDescription}, {@link DataRow});
 * what is the console's is how its three column types look in each format.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
final class ResultEncoder {
    private ResultEncoder() {
    }

    /**
     * The format of column {@code i} from a Bind's result format codes: none means text for all, one
     * applies to all, otherwise one per column.
     */
    static short format(short[] formats, int i) {
        if (formats.length == 0) {
            return 0;
        }
        return formats.length == 1 ? formats[0] : formats[i];
    }

    static ByteBuf rowDescription(ByteBufAllocator alloc, List<Column> columns, short[] formats) {
        List<Field> fields = new ArrayList<>(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            Column column = columns.get(i);
            int size = switch (column.type()) {
                case TEXT, NUMERIC -> -1;
                case TIMESTAMPTZ -> 8;
                case INT8 -> 8;
                case BOOL -> 1;
            };
            fields.add(Field.computed(column.name(), column.type().oid(), size, format(formats, i)));
        }
        return RowDescription.encode(alloc, fields);
    }

    static ByteBuf dataRow(ByteBufAllocator alloc, List<Column> columns, List<Object> values, short[] formats) {
        byte[][] cells = new byte[values.size()][];
        for (int i = 0; i < cells.length; i++) {
            Object value = values.get(i);
            if (value != null) {
                cells[i] = format(formats, i) == 1 ? binary(columns.get(i).type(), value) : text(value);
            }
        }
        return DataRow.encode(alloc, cells, cells.length);
    }

    private static byte[] binary(Column.Type type, Object value) {
        return switch (type) {
            case INT8 -> ByteBuffer.allocate(8).putLong(((Number) value).longValue()).array();
            case BOOL -> new byte[] {(byte) (Boolean.TRUE.equals(value) ? 1 : 0)};
            case TEXT -> value.toString().getBytes(StandardCharsets.UTF_8);
            case NUMERIC -> ConsoleValues.numericBinary((BigDecimal) value);
            case TIMESTAMPTZ -> ConsoleValues.timestamptzBinary((OffsetDateTime) value);
        };
    }

    private static byte[] text(Object value) {
        String text = switch (value) {
            case Boolean b -> b ? "t" : "f";
            case BigDecimal d -> d.toPlainString();
            case OffsetDateTime t -> ConsoleValues.timestamptzText(t);
            default -> value.toString();
        };
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The console's statements take no parameters. */
    static ByteBuf noParameters(ByteBufAllocator alloc) {
        return ParameterDescription.encode(alloc);
    }
}
