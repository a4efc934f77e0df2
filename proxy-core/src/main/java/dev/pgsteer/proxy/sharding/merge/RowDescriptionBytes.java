package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.value.PgValues;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A RowDescription's fields as the merge reads them, and the client's copy it writes: without the
 * hidden columns, with the types the client sees. Byte handling only, to move to protocol's message
 * types later.
 *
 * <pre>
 * RowDescription 'T' | int32 len | int16 n | (cstring name | int32 table | int16 column | int32 type
 *                | int16 size | int32 modifier | int16 format) * n
 * </pre>
 *
 * @param types       each column's type oid
 * @param binary      whether each column comes in binary format
 * @param typeOffsets where each column's type sits in the body
 * @param fieldEnds   where each column's fields end in the body
 */
record RowDescriptionBytes(int[] types, boolean[] binary, int[] typeOffsets, int[] fieldEnds) {

    /** Reads a RowDescription's body (from its start: offsets are the body's). */
    static RowDescriptionBytes read(ByteBuf body) {
        int columns = body.readShort();
        int[] types = new int[columns];
        boolean[] binary = new boolean[columns];
        int[] typeOffsets = new int[columns];
        int[] fieldEnds = new int[columns];
        for (int i = 0; i < columns; i++) {
            Wire.readCString(body);
            body.skipBytes(6);
            typeOffsets[i] = body.readerIndex();
            types[i] = body.readInt();
            body.skipBytes(6);
            binary[i] = body.readShort() == 1;
            fieldEnds[i] = body.readerIndex();
        }
        return new RowDescriptionBytes(types, binary, typeOffsets, fieldEnds);
    }

    /**
     * The client's RowDescription: the first {@code visible} columns of {@code body} (the same body
     * this was read from, its reader index at the start), with {@code clientTypes} where they differ
     * from the shards' (an avg: numeric, a varlena, or double precision).
     */
    ByteBuf forClient(ByteBufAllocator alloc, ByteBuf body, int visible, int[] clientTypes) {
        int visibleEnd = visible > 0 ? fieldEnds[visible - 1] : body.readerIndex() + 2;
        ByteBuf description = alloc.buffer(visibleEnd + 5);
        int length = Wire.beginMessage(description, 'T');
        description.writeShort(visible);
        description.writeBytes(body, body.readerIndex() + 2, visibleEnd - 2);
        for (int i = 0; i < visible; i++) {
            if (clientTypes[i] != types[i]) {
                // type, size, modifier of an avg: numeric (varlena) or double precision. The
                // fields sit 5 bytes (type, length) further on than in the shard's body.
                int at = 5 + typeOffsets[i];
                description.setInt(at, clientTypes[i]);
                description.setShort(at + 4, clientTypes[i] == PgValues.FLOAT8 ? 8 : -1);
                description.setInt(at + 6, -1);
            }
        }
        Wire.endMessage(description, length);
        return description;
    }
}
