package dev.pgsteer.proxy.sharding.execute;

import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Result sets pgsteer answers itself (EXPLAIN ROUTE): text columns of type text.
 *
 * <pre>
 * RowDescription 'T' | int32 len | int16 n | (cstring name | int32 table | int16 column | int32 type
 *                | int16 size | int32 modifier | int16 format) * n
 * DataRow        'D' | int32 len | int16 n | (int32 len | byte * len) * n
 * </pre>
 */
public final class ResultWriter {
    private static final int TEXT_OID = 25;

    private ResultWriter() {
    }

    public static ByteBuf rowDescription(ByteBufAllocator alloc, List<String> columns) {
        ByteBuf out = alloc.buffer();
        int length = Wire.beginMessage(out, 'T');
        out.writeShort(columns.size());
        for (String column : columns) {
            Wire.writeCString(out, column);
            out.writeInt(0).writeShort(0).writeInt(TEXT_OID).writeShort(-1).writeInt(-1).writeShort(0);
        }
        Wire.endMessage(out, length);
        return out;
    }

    public static ByteBuf dataRow(ByteBufAllocator alloc, List<String> values) {
        ByteBuf out = alloc.buffer();
        int length = Wire.beginMessage(out, 'D');
        out.writeShort(values.size());
        for (String value : values) {
            if (value == null) {
                out.writeInt(-1);
            } else {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                out.writeInt(bytes.length).writeBytes(bytes);
            }
        }
        Wire.endMessage(out, length);
        return out;
    }

    /** A message with no body: ParseComplete '1', BindComplete '2', CloseComplete '3', NoData 'n', EmptyQueryResponse 'I'. */
    public static ByteBuf empty(ByteBufAllocator alloc, char type) {
        return alloc.buffer(5).writeByte(type).writeInt(4);
    }
}
