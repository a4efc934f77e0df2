package dev.pgsteer.proxy.sharding.merge;

import java.nio.ByteBuffer;

/**
 * The bytes that tell rows apart once their cells are held: equal cells, equal keys. Lengths are
 * included ({@code int32 len (-1: NULL) | byte * len}, as in a DataRow), so NULL and '' differ.
 */
final class GroupKeys {
    private GroupKeys() {
    }

    /**
     * The bytes of the cells before {@code upTo} ({@code only} those marked, when not null), lengths
     * included, each in its column's {@link KeyForm} so that values PostgreSQL calls equal key alike
     * ({@code forms} null: every column's bytes are its one form).
     */
    static ByteBuffer of(byte[][] cells, int upTo, boolean[] only, KeyForm[] forms) {
        // Most keys are sent in their one form (integers, text, dates): no copy of the cells then.
        byte[][] normal = forms == null ? cells : new byte[upTo][];
        int size = 0;
        for (int i = 0; i < upTo; i++) {
            if (only == null || only[i]) {
                if (forms != null) {
                    normal[i] = forms[i].normal(cells[i]);
                }
                size += 4 + (normal[i] == null ? 0 : normal[i].length);
            }
        }
        ByteBuffer key = ByteBuffer.allocate(size);
        for (int i = 0; i < upTo; i++) {
            if (only == null || only[i]) {
                key.putInt(normal[i] == null ? -1 : normal[i].length);
                if (normal[i] != null) {
                    key.put(normal[i]);
                }
            }
        }
        return key.flip();
    }
}
