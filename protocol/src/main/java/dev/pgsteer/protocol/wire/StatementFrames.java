package dev.pgsteer.protocol.wire;

import dev.pgsteer.protocol.ProtocolViolationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads and rewrites the statement names of extended-protocol frames without decoding the rest:
 * a renamed Parse or Bind keeps its SQL, types and parameter values as a slice of the original.
 *
 * <pre>
 * Parse    'P' | int32 len | cstring statement | cstring query | int16 n | int32 type * n
 * Bind     'B' | int32 len | cstring portal | cstring statement | formats, values, result formats
 * Describe 'D' | int32 len | byte 'S' or 'P' | cstring name
 * Close    'C' | int32 len | byte 'S' or 'P' | cstring name
 * </pre>
 */
public final class StatementFrames {
    public static final byte PARSE = 'P';
    public static final byte BIND = 'B';
    public static final byte DESCRIBE = 'D';
    public static final byte CLOSE = 'C';
    public static final byte EXECUTE = 'E';
    public static final byte STATEMENT = 'S';

    private StatementFrames() {
    }

    /** Whether a Parse prepares the unnamed statement: the common case, told without decoding a name. */
    public static boolean parsesUnnamed(Frame parse) {
        ByteBuf body = parse.body();
        return body.isReadable() && body.getByte(body.readerIndex()) == 0;
    }

    /** Whether a Bind binds the unnamed statement, told without decoding names. */
    public static boolean bindsUnnamed(Frame bind) {
        ByteBuf body = bind.body();
        int portalEnd = terminator(body, body.readerIndex());
        return portalEnd + 1 < body.writerIndex() && body.getByte(portalEnd + 1) == 0;
    }

    /** Whether a Bind or an Execute names the unnamed portal (its first field is empty), told without decoding it. */
    public static boolean namesUnnamedPortal(Frame bindOrExecute) {
        ByteBuf body = bindOrExecute.body();
        return body.isReadable() && body.getByte(body.readerIndex()) == 0;
    }

    /** Whether a Describe or Close names the unnamed statement or portal (its name is empty), told without decoding it. */
    public static boolean targetsUnnamed(Frame describeOrClose) {
        ByteBuf body = describeOrClose.body();
        return body.readableBytes() >= 2 && body.getByte(body.readerIndex() + 1) == 0;
    }

    /** The statement name of a Parse. */
    public static String parseName(Frame parse) {
        return Wire.readCString(parse.body());
    }

    /** What follows the name in a Parse (query and parameter types): what identifies the statement. */
    public static ByteBuf parseTail(Frame parse) {
        ByteBuf body = parse.body();
        int nameEnd = terminator(body, body.readerIndex());
        return body.slice(nameEnd + 1, body.writerIndex() - nameEnd - 1);
    }

    /** The statement a Bind binds. */
    public static String bindStatement(Frame bind) {
        ByteBuf body = bind.body();
        int portalEnd = terminator(body, body.readerIndex());
        int statementEnd = terminator(body, portalEnd + 1);
        return body.toString(portalEnd + 1, statementEnd - portalEnd - 1, StandardCharsets.UTF_8);
    }

    /** 'S' or 'P', for Describe and Close. */
    public static byte targetKind(Frame describeOrClose) {
        ByteBuf body = describeOrClose.body();
        if (!body.isReadable()) {
            throw new ProtocolViolationException("Describe or Close without a target");
        }
        return body.getByte(body.readerIndex());
    }

    public static String targetName(Frame describeOrClose) {
        ByteBuf body = describeOrClose.body();
        return Wire.readCString(body.skipBytes(1));
    }

    /**
     * The row limit of an Execute ({@code 'E' | int32 len | cstring portal | int32 maxRows}), read
     * after the portal name's NUL: not after the name decoded and encoded again, which is another
     * length when the name is not valid UTF-8.
     */
    public static int executeMaxRows(Frame execute) {
        ByteBuf body = execute.body();
        int portalEnd = terminator(body, body.readerIndex());
        if (body.writerIndex() - portalEnd - 1 < 4) {
            throw new ProtocolViolationException("insufficient data left in message");
        }
        return body.getInt(portalEnd + 1);
    }

    /** A Parse frame naming {@code name}, with a tail taken from another Parse. */
    public static ByteBuf parse(ByteBufAllocator alloc, String name, byte[] tail) {
        ByteBuf out = alloc.buffer(6 + name.length() * 3 + tail.length);
        int length = Wire.beginMessage(out, (char) PARSE);
        Wire.writeCString(out, name);
        out.writeBytes(tail);
        Wire.endMessage(out, length);
        return out;
    }

    /** The Parse, now naming {@code name}; its query and types are shared, not copied. Consumes {@code parse}. */
    public static ByteBuf renameParse(ByteBufAllocator alloc, Frame parse, String name) {
        ByteBuf tail = parseTail(parse);
        return withHeader(alloc, PARSE, parse, tail, out -> Wire.writeCString(out, name));
    }

    /**
     * The Bind, now binding statement {@code name}; its values are shared, not copied. Consumes {@code bind}.
     * Of a {@link FrameHead}: the head of the renamed Bind, whose rest still follows.
     */
    public static ByteBuf renameBind(ByteBufAllocator alloc, Frame bind, String name) {
        ByteBuf body = bind.body();
        int portalEnd = terminator(body, body.readerIndex());
        int statementEnd = terminator(body, portalEnd + 1);
        ByteBuf portal = body.slice(body.readerIndex(), portalEnd + 1 - body.readerIndex());
        ByteBuf rest = body.slice(statementEnd + 1, body.writerIndex() - statementEnd - 1);
        return withHeader(alloc, BIND, bind, rest, out -> {
            out.writeBytes(portal, portal.readerIndex(), portal.readableBytes());
            Wire.writeCString(out, name);
        });
    }

    /** A Describe or Close of a statement, under another name. */
    public static ByteBuf target(ByteBufAllocator alloc, byte type, byte kind, String name) {
        ByteBuf out = alloc.buffer(7 + name.length() * 3);
        int length = Wire.beginMessage(out, (char) type);
        out.writeByte(kind);
        Wire.writeCString(out, name);
        Wire.endMessage(out, length);
        return out;
    }

    private static ByteBuf withHeader(ByteBufAllocator alloc, byte type, Frame original, ByteBuf rest,
                                      Consumer<ByteBuf> writeNames) {
        ByteBuf header = alloc.buffer(64);
        header.writeByte(type).writeInt(0);
        writeNames.accept(header);
        // The head of a streamed Bind holds only the start of its values: its length counts the rest too.
        header.setInt(1, header.readableBytes() - 1 + rest.readableBytes() + original.bytesToFollow());
        CompositeByteBuf frame = alloc.compositeBuffer(2);
        frame.addComponent(true, header);
        frame.addComponent(true, rest.retain());
        original.release();
        return frame;
    }

    private static int terminator(ByteBuf body, int from) {
        int end = body.indexOf(from, body.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new ProtocolViolationException("invalid string in message: missing terminator");
        }
        return end;
    }
}
