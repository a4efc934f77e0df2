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
 * A view over a DataRow frame, which the caller keeps owning:
 *
 * <pre>'D' | int32 len | int16 n | (int32 len (-1: NULL) | byte * len) * n</pre>
 *
 * <p>Rows come by the million, so the view keeps nothing: each question walks the cells' lengths from
 * the start, which for the first few columns (sort keys) is a handful of int reads.
 */
public final class DataRow {
    private final Frame frame;

    private DataRow(Frame frame) {
        this.frame = frame;
    }

    public static DataRow of(Frame frame) {
        return new DataRow(Backend.DATA_ROW.expect(frame));
    }

    public Frame frame() {
        return frame;
    }

    public int count() {
        ByteBuf content = frame.content();
        return content.getUnsignedShort(content.readerIndex() + Frame.HEADER_LENGTH);
    }

    public boolean isNull(int i) {
        return frame.content().getInt(offsetOf(i)) < 0;
    }

    /** Cell {@code i} (0-based) as a slice of the frame, or null for NULL. */
    public ByteBuf cell(int i) {
        ByteBuf content = frame.content();
        int at = offsetOf(i);
        int length = content.getInt(at);
        return length < 0 ? null : content.slice(at + 4, length);
    }

    /** Cell {@code i} copied, or null for NULL. */
    public byte[] bytes(int i) {
        ByteBuf content = frame.content();
        int at = offsetOf(i);
        int length = content.getInt(at);
        if (length < 0) {
            return null;
        }
        byte[] value = new byte[length];
        content.getBytes(at + 4, value);
        return value;
    }

    /** Every cell as UTF-8 text (null for NULL): rows of pgsteer's own statements, asked in the text format. */
    public List<String> texts() {
        ByteBuf content = frame.content();
        int at = content.readerIndex() + Frame.HEADER_LENGTH;
        int count = content.getUnsignedShort(at);
        at += 2;
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = content.getInt(at);
            at += 4;
            texts.add(length < 0 ? null : content.toString(at, length, StandardCharsets.UTF_8));
            at += Math.max(length, 0);
        }
        return texts;
    }

    /** Every cell copied (null for NULL), for a merge that keeps rows beyond their frames. */
    public byte[][] cells() {
        ByteBuf content = frame.content();
        byte[][] cells = new byte[count()][];
        int at = content.readerIndex() + Frame.HEADER_LENGTH + 2;
        for (int i = 0; i < cells.length; i++) {
            int length = content.getInt(at);
            if (length >= 0) {
                cells[i] = new byte[length];
                content.getBytes(at + 4, cells[i]);
            }
            at += 4 + Math.max(length, 0);
        }
        return cells;
    }

    /**
     * The bytes of the first {@code n} cells, lengths included, as a slice of the frame: equal for
     * equal cells, so they can serve as a key (DISTINCT).
     */
    public ByteBuf leading(int n) {
        ByteBuf content = frame.content();
        int from = content.readerIndex() + Frame.HEADER_LENGTH + 2;
        return content.slice(from, offsetOf(n) - from);
    }

    /** This row without its last {@code n} cells (columns the client did not ask for). A copy. */
    public ByteBuf withoutTrailing(ByteBufAllocator alloc, int n) {
        int kept = count() - n;
        ByteBuf cells = leading(kept);
        ByteBuf out = alloc.buffer(Frame.HEADER_LENGTH + 2 + cells.readableBytes());
        int length = Wire.beginMessage(out, (char) Backend.DATA_ROW.code());
        out.writeShort(kept);
        out.writeBytes(cells, cells.readerIndex(), cells.readableBytes());
        Wire.endMessage(out, length);
        return out;
    }

    /** A DataRow of the first {@code count} of {@code cells} (null for NULL). */
    public static ByteBuf encode(ByteBufAllocator alloc, byte[][] cells, int count) {
        int size = Frame.HEADER_LENGTH + 2;
        for (int i = 0; i < count; i++) {
            size += 4 + (cells[i] == null ? 0 : cells[i].length);
        }
        ByteBuf out = alloc.buffer(size);
        int length = Wire.beginMessage(out, (char) Backend.DATA_ROW.code());
        out.writeShort(count);
        for (int i = 0; i < count; i++) {
            if (cells[i] == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(cells[i].length).writeBytes(cells[i]);
            }
        }
        Wire.endMessage(out, length);
        return out;
    }

    /** A DataRow of text values (null for NULL), UTF-8. */
    public static ByteBuf encodeText(ByteBufAllocator alloc, List<String> values) {
        byte[][] cells = new byte[values.size()][];
        for (int i = 0; i < cells.length; i++) {
            String value = values.get(i);
            cells[i] = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        }
        return encode(alloc, cells, cells.length);
    }

    /** The content offset of cell {@code i}'s length word (the row's end, for {@code i == count()}). */
    private int offsetOf(int i) {
        ByteBuf content = frame.content();
        int at = content.readerIndex() + Frame.HEADER_LENGTH + 2;
        for (int c = 0; c < i; c++) {
            at += 4 + Math.max(content.getInt(at), 0);
        }
        return at;
    }

    @Override
    public String toString() {
        return "DataRow(" + count() + " cells)";
    }
}
