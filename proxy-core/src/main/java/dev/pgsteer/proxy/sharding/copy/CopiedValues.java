package dev.pgsteer.proxy.sharding.copy;

import dev.pgsteer.protocol.message.frontend.CopyData;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The values of a one-column subquery, read from the rows of {@code COPY (SELECT x, pg_typeof(x)::text
 * ...) TO STDOUT} (text format): each distinct value once (null for NULL), and their type.
 */
public record CopiedValues(List<String> values, String type) {

    /** Reads and releases the rows. */
    public static CopiedValues of(List<Frame> rows) {
        Set<String> values = new LinkedHashSet<>();
        String[] type = {null};
        CopyRowSplitter value = new CopyRowSplitter(false, '\t', '"', '"', "\\N", 0, false);
        CopyRowSplitter typeOf = new CopyRowSplitter(false, '\t', '"', '"', "\\N", 1, false);
        try {
            for (Frame row : rows) {
                ByteBuf data = CopyData.of(row).data();
                byte[] bytes = new byte[data.readableBytes()];
                data.getBytes(data.readerIndex(), bytes);
                value.feed(bytes, (b, offset, length, key) -> values.add(key), (b, offset, length, key) -> { });
                if (type[0] == null) {
                    typeOf.feed(bytes, (b, offset, length, key) -> type[0] = key, (b, offset, length, key) -> { });
                }
            }
            value.finish((b, offset, length, key) -> values.add(key), (b, offset, length, key) -> { });
        } finally {
            rows.forEach(Frame::release);
        }
        return new CopiedValues(new ArrayList<>(values), type[0]);
    }

    /**
     * {@code column = ANY('{...}'::type[])}: the same comparison as {@code column IN (SELECT x ...)},
     * three-valued logic and NULLs included; with no values, {@code '{}'} (false for every row).
     */
    public String anyOf(String column) {
        StringBuilder array = new StringBuilder("{");
        for (String v : values) {
            array.append(array.length() == 1 ? "" : ",");
            if (v == null) {
                array.append("NULL");
            } else {
                array.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        array.append('}');
        String tag = "$pgsteer$";
        for (int i = 0; array.indexOf(tag) >= 0; i++) {
            tag = "$pgsteer" + i + "$";
        }
        return "(" + column + " = ANY(" + tag + array + tag + (type != null ? "::" + type + "[]" : "") + "))";
    }
}
