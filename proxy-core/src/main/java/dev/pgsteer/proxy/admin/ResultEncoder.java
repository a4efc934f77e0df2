package dev.pgsteer.proxy.admin;

import dev.pgsteer.protocol.codec.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The messages of a console answer, in text or, where a Bind asked for it, binary format.
 *
 * <pre>
 * RowDescription       'T' | int32 len | int16 n | (cstring name | int32 table | int16 column | int32 type
 *                      | int16 size | int32 modifier | int16 format) * n
 * DataRow              'D' | int32 len | int16 n | (int32 len | byte * len) * n
 * ParameterDescription 't' | int32 len | int16 0
 * </pre>
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
        ByteBuf out = alloc.buffer();
        int length = Wire.beginMessage(out, 'T');
        out.writeShort(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            Column column = columns.get(i);
            Wire.writeCString(out, column.name());
            int size = switch (column.type()) {
                case TEXT -> -1;
                case INT8 -> 8;
                case BOOL -> 1;
            };
            out.writeInt(0).writeShort(0).writeInt(column.type().oid()).writeShort(size).writeInt(-1)
                    .writeShort(format(formats, i));
        }
        Wire.endMessage(out, length);
        return out;
    }

    static ByteBuf dataRow(ByteBufAllocator alloc, List<Column> columns, List<Object> values, short[] formats) {
        ByteBuf out = alloc.buffer();
        int length = Wire.beginMessage(out, 'D');
        out.writeShort(values.size());
        for (int i = 0; i < values.size(); i++) {
            Object value = values.get(i);
            if (value == null) {
                out.writeInt(-1);
                continue;
            }
            if (format(formats, i) == 1) {
                switch (columns.get(i).type()) {
                    case INT8 -> out.writeInt(8).writeLong(((Number) value).longValue());
                    case BOOL -> out.writeInt(1).writeByte(Boolean.TRUE.equals(value) ? 1 : 0);
                    case TEXT -> writeText(out, value.toString());
                }
            } else {
                writeText(out, value instanceof Boolean b ? (b ? "t" : "f") : value.toString());
            }
        }
        Wire.endMessage(out, length);
        return out;
    }

    private static void writeText(ByteBuf out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length).writeBytes(bytes);
    }

    static ByteBuf noParameters(ByteBufAllocator alloc) {
        return alloc.buffer(7).writeByte('t').writeInt(6).writeShort(0);
    }

    /** A message with no body: ParseComplete '1', BindComplete '2', CloseComplete '3', NoData 'n', EmptyQueryResponse 'I'. */
    static ByteBuf empty(ByteBufAllocator alloc, char type) {
        return alloc.buffer(5).writeByte(type).writeInt(4);
    }
}
