package dev.pgsteer.proxy.sharding.send;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The part of a Parse after its statement name, {@code cstring query | int16 n | int32 type * n}, for a
 * statement pgsteer rewrote for a shard, keeping the parameter types the client declared.
 */
public final class ParseTails {
    private ParseTails() {
    }

    /**
     * The query-and-types part of a Parse for {@code sql}: {@code cstring query | int16 n | int32 type * n},
     * with the types the client declared for the parameters {@code originals} (none when null).
     */
    static byte[] split(String sql, byte[] clientTail, int[] originals) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        int count = originals == null ? 0 : originals.length;
        ByteBuffer tail = ByteBuffer.allocate(text.length + 3 + 4 * count);
        tail.put(text).put((byte) 0).putShort((short) count);
        if (count > 0) {
            int queryEnd = 0;
            while (clientTail[queryEnd] != 0) {
                queryEnd++;
            }
            ByteBuffer types = ByteBuffer.wrap(clientTail, queryEnd + 1, clientTail.length - queryEnd - 1);
            int declared = types.getShort() & 0xffff;
            int typesAt = types.position();
            for (int original : originals) {
                tail.putInt(original <= declared ? ByteBuffer.wrap(clientTail).getInt(typesAt + 4 * (original - 1)) : 0);
            }
        }
        return tail.array();
    }

    /** The query-and-types part of a Parse for {@code sql} declaring {@code types}. */
    public static byte[] withTypes(String sql, int[] types) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        ByteBuffer tail = ByteBuffer.allocate(text.length + 3 + 4 * types.length);
        tail.put(text).put((byte) 0).putShort((short) types.length);
        for (int type : types) {
            tail.putInt(type);
        }
        return tail.array();
    }

    /** The query-and-types part of a Parse for {@code sql} with the parameter types {@code original} declares. */
    public static byte[] of(String sql, byte[] original) {
        byte[] text = sql.getBytes(StandardCharsets.UTF_8);
        int types = 0;
        while (types < original.length && original[types] != 0) {
            types++;
        }
        types++;
        byte[] tail = new byte[text.length + 1 + original.length - types];
        System.arraycopy(text, 0, tail, 0, text.length);
        System.arraycopy(original, types, tail, text.length + 1, original.length - types);
        return tail;
    }
}
