package dev.pgsteer.protocol.message.frontend;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * {@code 'P' | int32 len | cstring statement | cstring query | int16 n | int32 type * n}: a view over
 * a Parse frame. Nothing is decoded until asked for, and nothing is copied; the caller keeps owning the
 * frame, and the view lives no longer than it.
 */
public final class Parse {
    private final Frame frame;

    private Parse(Frame frame) {
        this.frame = frame;
    }

    public static Parse of(Frame frame) {
        return new Parse(Frontend.PARSE.expect(frame));
    }

    public Frame frame() {
        return frame;
    }

    /** Whether it prepares the unnamed statement, told without decoding the name. */
    public boolean unnamed() {
        return StatementFrames.parsesUnnamed(frame);
    }

    public String name() {
        return StatementFrames.parseName(frame);
    }

    /** The query and parameter types, as a slice of the frame: what identifies the statement whatever its name. */
    public ByteBuf tail() {
        return StatementFrames.parseTail(frame);
    }

    public String query() {
        return Wire.readCString(tail());
    }

    /** How many parameter types the Parse declares (0 leaves them all to the server). */
    public int parameterTypeCount() {
        ByteBuf tail = tail();
        int at = queryEnd(tail);
        return tail.writerIndex() - at >= 2 ? tail.getUnsignedShort(at) : 0;
    }

    /** The type oid declared for parameter {@code i} (0-based); 0 leaves it to the server. */
    public int parameterType(int i) {
        ByteBuf tail = tail();
        return tail.getInt(queryEnd(tail) + 2 + 4 * i);
    }

    /** This Parse naming {@code name}; its query and types are shared, not copied. Consumes the frame. */
    public ByteBuf renamed(ByteBufAllocator alloc, String name) {
        return StatementFrames.renameParse(alloc, frame, name);
    }

    /** This Parse with {@code query} (bytes, no terminator) in place of its text; the name and parameter types stay. */
    public ByteBuf withQuery(ByteBufAllocator alloc, byte[] query) {
        ByteBuf body = frame.body();
        int nameEnd = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
        int queryEnd = body.indexOf(nameEnd + 1, body.writerIndex(), (byte) 0);
        ByteBuf out = alloc.buffer(Frame.HEADER_LENGTH + body.readableBytes() - (queryEnd - nameEnd - 1) + query.length);
        int length = Wire.beginMessage(out, (char) Frontend.PARSE.code());
        out.writeBytes(body, body.readerIndex(), nameEnd + 1 - body.readerIndex());
        out.writeBytes(query).writeByte(0);
        out.writeBytes(body, queryEnd + 1, body.writerIndex() - queryEnd - 1);
        Wire.endMessage(out, length);
        return out;
    }

    public static ByteBuf encode(ByteBufAllocator alloc, String name, String query, int... types) {
        ByteBuf out = alloc.buffer(12 + (name.length() + query.length()) * 3 + types.length * 4);
        int length = Wire.beginMessage(out, (char) Frontend.PARSE.code());
        Wire.writeCString(out, name);
        Wire.writeCString(out, query);
        out.writeShort(types.length);
        for (int type : types) {
            out.writeInt(type);
        }
        Wire.endMessage(out, length);
        return out;
    }

    /** A Parse naming {@code name}, with the tail (query and types) of another. */
    public static ByteBuf encode(ByteBufAllocator alloc, String name, byte[] tail) {
        return StatementFrames.parse(alloc, name, tail);
    }

    private static int queryEnd(ByteBuf tail) {
        return tail.indexOf(tail.readerIndex(), tail.writerIndex(), (byte) 0) + 1;
    }

    @Override
    public String toString() {
        return "Parse(" + name() + ", " + query() + ")";
    }
}
