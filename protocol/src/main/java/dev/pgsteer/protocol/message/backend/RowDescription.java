package dev.pgsteer.protocol.message.backend;

import dev.pgsteer.protocol.message.MessageType.Backend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A view over a RowDescription frame, which the caller keeps owning:
 *
 * <pre>'T' | int32 len | int16 n | (cstring name | int32 table | int16 column | int32 type
 *     | int16 size | int32 modifier | int16 format) * n</pre>
 *
 * <p>The fields' offsets are found once, at the first question. A RowDescription comes once per
 * result, so its rewrites ({@link #withoutTrailing}, {@link #withType}) are copies.
 */
public final class RowDescription {
    /** Bytes of a field after its name: table, column, type, size, modifier, format. */
    private static final int FIXED = 18;

    private final Frame frame;
    private int[] starts;

    private RowDescription(Frame frame) {
        this.frame = frame;
    }

    public static RowDescription of(Frame frame) {
        return new RowDescription(Backend.ROW_DESCRIPTION.expect(frame));
    }

    /** One column: its name, where it comes from (0 when not a table's column), its type and format. */
    public record Field(String name, int tableOid, short columnNumber, int typeOid, short typeSize, int typeModifier,
                        short format) {

        /** A column computed rather than read from a table, without a type modifier. */
        public static Field computed(String name, int typeOid, int typeSize, int format) {
            return new Field(name, 0, (short) 0, typeOid, (short) typeSize, -1, (short) format);
        }
    }

    public Frame frame() {
        return frame;
    }

    public int count() {
        return starts().length;
    }

    public Field field(int i) {
        ByteBuf content = frame.content();
        int start = starts()[i];
        int nameEnd = content.indexOf(start, content.writerIndex(), (byte) 0);
        String name = content.toString(start, nameEnd - start, StandardCharsets.UTF_8);
        int at = nameEnd + 1;
        return new Field(name, content.getInt(at), content.getShort(at + 4), content.getInt(at + 6),
                content.getShort(at + 10), content.getInt(at + 12), content.getShort(at + 16));
    }

    public List<Field> fields() {
        List<Field> fields = new ArrayList<>(count());
        for (int i = 0; i < count(); i++) {
            fields.add(field(i));
        }
        return fields;
    }

    public int typeOid(int i) {
        return frame.content().getInt(fixedAt(i) + 6);
    }

    public short format(int i) {
        return frame.content().getShort(fixedAt(i) + 16);
    }

    /** This description without its last {@code n} fields (columns the client did not ask for). A copy. */
    public RowDescription withoutTrailing(ByteBufAllocator alloc, int n) {
        int kept = count() - n;
        if (kept < 0) {
            throw new IllegalArgumentException("cannot drop " + n + " of " + count() + " fields");
        }
        ByteBuf content = frame.content();
        int from = content.readerIndex() + Frame.HEADER_LENGTH + 2;
        int to = kept == count() ? content.writerIndex() : starts()[kept];
        ByteBuf out = alloc.buffer(Frame.HEADER_LENGTH + 2 + to - from);
        int length = Wire.beginMessage(out, (char) Backend.ROW_DESCRIPTION.code());
        out.writeShort(kept);
        out.writeBytes(content, from, to - from);
        Wire.endMessage(out, length);
        return new RowDescription(new Frame(out));
    }

    /**
     * This description with field {@code i} of type {@code typeOid} and size {@code typeSize}, and no type
     * modifier (one of the old type says nothing of the new): what a merge that computes a column
     * (avg from sum and count) tells the client. A copy.
     */
    public RowDescription withType(ByteBufAllocator alloc, int i, int typeOid, int typeSize) {
        ByteBuf content = frame.content();
        int at = fixedAt(i) - content.readerIndex();
        ByteBuf out = alloc.buffer(content.readableBytes());
        out.writeBytes(content, content.readerIndex(), content.readableBytes());
        out.setInt(at + 6, typeOid);
        out.setShort(at + 10, typeSize);
        out.setInt(at + 12, -1);
        return new RowDescription(new Frame(out));
    }

    public static ByteBuf encode(ByteBufAllocator alloc, List<Field> fields) {
        ByteBuf out = alloc.buffer();
        int length = Wire.beginMessage(out, (char) Backend.ROW_DESCRIPTION.code());
        out.writeShort(fields.size());
        for (Field field : fields) {
            Wire.writeCString(out, field.name());
            out.writeInt(field.tableOid()).writeShort(field.columnNumber()).writeInt(field.typeOid())
                    .writeShort(field.typeSize()).writeInt(field.typeModifier()).writeShort(field.format());
        }
        Wire.endMessage(out, length);
        return out;
    }

    /** Where field {@code i}'s fixed part (after its name's NUL) starts in the content. */
    private int fixedAt(int i) {
        ByteBuf content = frame.content();
        return content.indexOf(starts()[i], content.writerIndex(), (byte) 0) + 1;
    }

    private int[] starts() {
        if (starts == null) {
            ByteBuf content = frame.content();
            int at = content.readerIndex() + Frame.HEADER_LENGTH;
            int[] found = new int[content.getUnsignedShort(at)];
            at += 2;
            for (int i = 0; i < found.length; i++) {
                found[i] = at;
                int nameEnd = content.indexOf(at, content.writerIndex(), (byte) 0);
                if (nameEnd < 0 || content.writerIndex() - nameEnd - 1 < FIXED) {
                    throw new IllegalArgumentException("a RowDescription shorter than its " + found.length + " fields");
                }
                at = nameEnd + 1 + FIXED;
            }
            starts = found;
        }
        return starts;
    }

    @Override
    public String toString() {
        return "RowDescription(" + count() + " fields)";
    }
}
