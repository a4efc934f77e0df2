package dev.pgsteer.proxy.sharding.merge;

import java.nio.ByteBuffer;

/**
 * The bytes that tell rows apart once their cells are held: equal cells, equal keys. Lengths are
 * included ({@code int32 len (-1: NULL) | byte * len}, as in a DataRow), so NULL and '' differ.
 */
final class GroupKeys {
    private GroupKeys() {
    }

    /** The bytes of the cells before {@code upTo} ({@code only} those marked, when not null), lengths included. */
    static ByteBuffer of(byte[][] cells, int upTo, boolean[] only) {
        int size = 0;
        for (int i = 0; i < upTo; i++) {
            if (only == null || only[i]) {
                size += 4 + (cells[i] == null ? 0 : cells[i].length);
            }
        }
        ByteBuffer key = ByteBuffer.allocate(size);
        for (int i = 0; i < upTo; i++) {
            if (only == null || only[i]) {
                key.putInt(cells[i] == null ? -1 : cells[i].length);
                if (cells[i] != null) {
                    key.put(cells[i]);
                }
            }
        }
        return key.flip();
    }
}
