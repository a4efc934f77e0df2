package dev.pgsteer.proxy.testkit;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Frontend messages as the frames a relay gets from the client's decoder.
 *
 * <pre>
 * Query    'Q' | int32 len | cstring sql
 * Parse    'P' | int32 len | cstring statement | cstring sql | int16 0 (no parameter types)
 * Bind     'B' | int32 len | cstring portal | cstring statement | int16 0 | int16 0 | int16 0
 * Describe 'D' | int32 len | byte 'S'|'P' | cstring name       (Close 'C' alike)
 * Execute  'E' | int32 len | cstring portal | int32 maxRows
 * Sync 'S', Flush 'H', Terminate 'X' | int32 4
 * </pre>
 */
public final class ClientFrames {
    private ClientFrames() {
    }

    public static Frame query(String sql) {
        ByteBuf out = Unpooled.buffer();
        int length = Wire.beginMessage(out, 'Q');
        Wire.writeCString(out, sql);
        Wire.endMessage(out, length);
        return new Frame(out);
    }

    public static Frame parse(String statement, String sql) {
        ByteBuf out = Unpooled.buffer();
        int length = Wire.beginMessage(out, 'P');
        Wire.writeCString(out, statement);
        Wire.writeCString(out, sql);
        out.writeShort(0);
        Wire.endMessage(out, length);
        return new Frame(out);
    }

    public static Frame bind(String portal, String statement) {
        ByteBuf out = Unpooled.buffer();
        int length = Wire.beginMessage(out, 'B');
        Wire.writeCString(out, portal);
        Wire.writeCString(out, statement);
        out.writeShort(0).writeShort(0).writeShort(0);
        Wire.endMessage(out, length);
        return new Frame(out);
    }

    public static Frame describe(char kind, String name) {
        return target('D', kind, name);
    }

    public static Frame close(char kind, String name) {
        return target('C', kind, name);
    }

    public static Frame execute(String portal, int maxRows) {
        ByteBuf out = Unpooled.buffer();
        int length = Wire.beginMessage(out, 'E');
        Wire.writeCString(out, portal);
        out.writeInt(maxRows);
        Wire.endMessage(out, length);
        return new Frame(out);
    }

    /** A message without a body: Sync 'S', Flush 'H', Terminate 'X', CopyDone 'c'. */
    public static Frame empty(char type) {
        return new Frame(Unpooled.buffer(5).writeByte(type).writeInt(4));
    }

    /** A FunctionCall, whose body pgsteer never reads. */
    public static Frame functionCall() {
        return new Frame(Unpooled.buffer(9).writeByte('F').writeInt(8).writeInt(1259));
    }

    private static Frame target(char type, char kind, String name) {
        ByteBuf out = Unpooled.buffer();
        int length = Wire.beginMessage(out, type);
        out.writeByte(kind);
        Wire.writeCString(out, name);
        Wire.endMessage(out, length);
        return new Frame(out);
    }
}
