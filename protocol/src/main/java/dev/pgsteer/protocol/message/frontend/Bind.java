package dev.pgsteer.protocol.message.frontend;

import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * A view over a whole Bind frame, which the caller keeps owning:
 *
 * <pre>'B' | int32 len | cstring portal | cstring statement | int16 nf | int16 format * nf
 *     | int16 nv | (int32 len (-1: NULL) | byte * len) * nv | int16 nr | int16 resultFormat * nr</pre>
 *
 * <p>The names are read when asked for; the values' offsets are found once, at the first question
 * about a value or the result formats, and a value is handed out as a slice of the frame. The frame
 * has passed {@code FrontendFrames}' check, so it holds what its counts say; a value longer than its
 * message is refused all the same, since a view does not know who checked its frame.
 */
public final class Bind {
    /** Format code 0: text. */
    public static final short TEXT = 0;
    /** Format code 1: binary. */
    public static final short BINARY = 1;

    private final Frame frame;
    private final ByteBuf body;
    /** Where the parameter format count is (past both names), or -1 before the names are skipped. */
    private int formatsAt = -1;
    private int[] offsets;
    private int[] lengths;
    private int resultFormatsAt;

    private Bind(Frame frame) {
        this.frame = frame;
        this.body = frame.body();
    }

    public static Bind of(Frame frame) {
        return new Bind(Frontend.BIND.expect(frame));
    }

    public Frame frame() {
        return frame;
    }

    public String portal() {
        return Wire.readCString(body.duplicate());
    }

    public String statement() {
        return StatementFrames.bindStatement(frame);
    }

    /** Whether it binds the unnamed statement, told without decoding names. */
    public boolean bindsUnnamed() {
        return StatementFrames.bindsUnnamed(frame);
    }

    public int parameterFormatCount() {
        return body.getUnsignedShort(formatsAt());
    }

    /**
     * The format of parameter {@code i} (0-based): none given means text for all, one applies to all,
     * otherwise one per parameter.
     */
    public short parameterFormat(int i) {
        int count = parameterFormatCount();
        if (count == 0) {
            return TEXT;
        }
        return body.getShort(formatsAt() + 2 + 2 * (count == 1 ? 0 : i));
    }

    public int valueCount() {
        return values().length;
    }

    public boolean isNull(int i) {
        values();
        return lengths[i] < 0;
    }

    /** Value {@code i} (0-based) as a slice of the frame, or null for NULL. */
    public ByteBuf value(int i) {
        values();
        return lengths[i] < 0 ? null : body.slice(offsets[i], lengths[i]);
    }

    /** Value {@code i} copied, or null for NULL: for a binary key the router decodes. */
    public byte[] bytes(int i) {
        values();
        if (lengths[i] < 0) {
            return null;
        }
        byte[] value = new byte[lengths[i]];
        body.getBytes(offsets[i], value);
        return value;
    }

    /** Value {@code i} read as UTF-8 text, or null for NULL: for a text key the router reads. */
    public String text(int i) {
        values();
        return lengths[i] < 0 ? null : body.toString(offsets[i], lengths[i], StandardCharsets.UTF_8);
    }

    public int resultFormatCount() {
        values();
        return body.getUnsignedShort(resultFormatsAt);
    }

    /** The format the client wants for result column {@code i}, by the same rule as {@link #parameterFormat}. */
    public short resultFormat(int i) {
        int count = resultFormatCount();
        if (count == 0) {
            return TEXT;
        }
        return body.getShort(resultFormatsAt + 2 + 2 * (count == 1 ? 0 : i));
    }

    /** The result format codes as the Bind gives them (none, one for all, or one per column). */
    public short[] resultFormats() {
        short[] formats = new short[resultFormatCount()];
        for (int i = 0; i < formats.length; i++) {
            formats[i] = body.getShort(resultFormatsAt + 2 + 2 * i);
        }
        return formats;
    }

    /**
     * This Bind with other result format codes; its names and values are shared, not copied.
     * Consumes the frame.
     */
    public ByteBuf withResultFormats(ByteBufAllocator alloc, short[] formats) {
        values();
        int kept = resultFormatsAt - body.readerIndex();
        ByteBuf header = alloc.buffer(Frame.HEADER_LENGTH);
        header.writeByte(Frontend.BIND.code()).writeInt(4 + kept + 2 + 2 * formats.length);
        ByteBuf tail = alloc.buffer(2 + 2 * formats.length);
        tail.writeShort(formats.length);
        for (short format : formats) {
            tail.writeShort(format);
        }
        CompositeByteBuf out = alloc.compositeBuffer(3);
        out.addComponent(true, header);
        out.addComponent(true, body.retainedSlice(body.readerIndex(), kept));
        out.addComponent(true, tail);
        frame.release();
        return out;
    }

    /**
     * The Bind a shard gets when its SELECT has {@code hidden} more columns than the client's (sort
     * keys, avg's count): with one format code per column (pgjdbc's binary transfer) the hidden ones
     * get a code too, text. With none or one code for all, the Bind is fine as it is and is returned
     * as it is. Consumes the frame.
     */
    public ByteBuf withHiddenColumns(ByteBufAllocator alloc, int hidden) {
        int count = resultFormatCount();
        if (count <= 1 || hidden == 0) {
            return frame.content();
        }
        short[] wider = new short[count + hidden];
        for (int i = 0; i < count; i++) {
            wider[i] = body.getShort(resultFormatsAt + 2 + 2 * i);
        }
        return withResultFormats(alloc, wider);
    }

    /**
     * A Bind of {@code statement} to the same portal with only the parameters {@code originals}
     * (1-based numbers of this Bind's), in that order: for a statement rewritten for one shard. A copy;
     * the frame stays the caller's.
     */
    public ByteBuf rebind(ByteBufAllocator alloc, String statement, int[] originals) {
        return rebind(alloc, portal(), statement, originals, null);
    }

    /**
     * A Bind of {@code statement} to {@code portal} with only the parameters {@code originals}
     * (1-based numbers of this Bind's, with their formats), in that order, and {@code resultFormats}
     * (null: this Bind's own). A copy; the frame stays the caller's.
     */
    public ByteBuf rebind(ByteBufAllocator alloc, String portal, String statement, int[] originals, short[] resultFormats) {
        values();
        ByteBuf out = alloc.buffer(body.readableBytes() + 16);
        int length = Wire.beginMessage(out, (char) Frontend.BIND.code());
        Wire.writeCString(out, portal);
        Wire.writeCString(out, statement);
        int formats = parameterFormatCount();
        if (formats <= 1) {
            out.writeShort(formats);
            if (formats == 1) {
                out.writeShort(parameterFormat(0));
            }
        } else {
            out.writeShort(originals.length);
            for (int original : originals) {
                out.writeShort(parameterFormat(original - 1));
            }
        }
        out.writeShort(originals.length);
        for (int original : originals) {
            int i = original - 1;
            out.writeInt(lengths[i]);
            if (lengths[i] > 0) {
                out.writeBytes(body, offsets[i], lengths[i]);
            }
        }
        if (resultFormats == null) {
            out.writeBytes(body, resultFormatsAt, body.writerIndex() - resultFormatsAt);
        } else {
            out.writeShort(resultFormats.length);
            for (short format : resultFormats) {
                out.writeShort(format);
            }
        }
        Wire.endMessage(out, length);
        return out;
    }

    /** This Bind binding statement {@code name}; its values are shared, not copied. Consumes the frame. */
    public ByteBuf renamed(ByteBufAllocator alloc, String name) {
        return StatementFrames.renameBind(alloc, frame, name);
    }

    private int formatsAt() {
        if (formatsAt < 0) {
            int portalEnd = terminator(body.readerIndex());
            formatsAt = terminator(portalEnd + 1) + 1;
        }
        return formatsAt;
    }

    private int[] values() {
        if (offsets != null) {
            return offsets;
        }
        int at = formatsAt() + 2 + 2 * body.getUnsignedShort(formatsAt());
        int count = body.getUnsignedShort(at);
        at += 2;
        int[] starts = new int[count];
        int[] sizes = new int[count];
        for (int i = 0; i < count; i++) {
            if (body.writerIndex() - at < 4) {
                throw new ProtocolViolationException("message too short: missing parameter length");
            }
            int length = body.getInt(at);
            at += 4;
            if (length < -1) {
                // Only -1 is NULL; PostgreSQL reads any other negative length as more than the message holds.
                throw new ProtocolViolationException("insufficient data left in message");
            }
            if (length > body.writerIndex() - at) {
                throw new ProtocolViolationException("Bind parameter " + (i + 1) + " is longer than its message");
            }
            starts[i] = at;
            sizes[i] = length;
            at += Math.max(length, 0);
        }
        lengths = sizes;
        resultFormatsAt = at;
        offsets = starts;
        return offsets;
    }

    private int terminator(int from) {
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolViolationException("invalid string in message: missing terminator");
        }
        return end;
    }

    @Override
    public String toString() {
        return "Bind(" + portal() + ", " + statement() + ")";
    }
}
