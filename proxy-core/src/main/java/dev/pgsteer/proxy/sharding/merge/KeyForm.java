package dev.pgsteer.proxy.sharding.merge;

import dev.pgsteer.protocol.value.PgValues;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * How a group key's value is brought to one form per value PostgreSQL calls equal, before its bytes
 * key a group (GROUP BY, DISTINCT): two shards may send equal values in different bytes, such as
 * numeric {@code 1.0} and {@code 1.00} (one group in PostgreSQL), floating point {@code 0} and
 * {@code -0}, or {@code bpchar} with and without trailing spaces. Types whose equality no form of
 * their bytes captures here (interval, where '1 day' = '24 hours'; jsonb, whose numbers compare as
 * numeric; arrays and rows of such) are not grouped by the proxy at all: {@link #of} says so.
 */
enum KeyForm {
    /** The bytes as sent: equal values, equal bytes. */
    AS_SENT,
    NUMERIC_TEXT,
    NUMERIC_BINARY,
    FLOAT_TEXT,
    FLOAT4_BINARY,
    FLOAT8_BINARY,
    BPCHAR;

    private static final int JSON = 114;
    private static final int INTERVAL = 1186;
    private static final int JSONB = 3802;
    private static final int RECORD = 2249;
    /** Arrays of the types above, and of numeric, floats and bpchar: element equality is not their bytes'. */
    private static final Set<Integer> UNGROUPABLE = Set.of(JSON, INTERVAL, JSONB, RECORD, 1231, 1021, 1022, 1014, 1187,
            3807, 199, 2287);

    /** The form for a column of this type and format; null when the proxy cannot group it exactly. */
    static KeyForm of(int type, boolean binary) {
        if (UNGROUPABLE.contains(type)) {
            return null;
        }
        return switch (type) {
            case PgValues.NUMERIC -> binary ? NUMERIC_BINARY : NUMERIC_TEXT;
            case PgValues.FLOAT4 -> binary ? FLOAT4_BINARY : FLOAT_TEXT;
            case PgValues.FLOAT8 -> binary ? FLOAT8_BINARY : FLOAT_TEXT;
            case PgValues.BPCHAR -> BPCHAR;
            default -> AS_SENT;
        };
    }

    /** The value's bytes in this form (the cell itself when it already is); null stays null. */
    byte[] normal(byte[] cell) {
        if (cell == null) {
            return null;
        }
        return switch (this) {
            case AS_SENT -> cell;
            case NUMERIC_TEXT -> numericText(cell);
            // int16 ndigits, weight, sign, dscale, then the digits, which PostgreSQL stores without
            // leading or trailing zeros: equal values differ only in their display scale.
            case NUMERIC_BINARY -> {
                if (cell.length < 8 || (cell[6] == 0 && cell[7] == 0)) {
                    yield cell;
                }
                byte[] normal = cell.clone();
                normal[6] = 0;
                normal[7] = 0;
                yield normal;
            }
            case FLOAT_TEXT -> cell.length == 2 && cell[0] == '-' && cell[1] == '0' ? new byte[] {'0'} : cell;
            case FLOAT4_BINARY -> {
                float f = ByteBuffer.wrap(cell).getFloat();
                yield f == 0f ? new byte[4] : Float.isNaN(f) ? ByteBuffer.allocate(4).putFloat(Float.NaN).array() : cell;
            }
            case FLOAT8_BINARY -> {
                double d = ByteBuffer.wrap(cell).getDouble();
                yield d == 0d ? new byte[8] : Double.isNaN(d) ? ByteBuffer.allocate(8).putDouble(Double.NaN).array() : cell;
            }
            // bpchar compares without its trailing spaces.
            case BPCHAR -> {
                int end = cell.length;
                while (end > 0 && cell[end - 1] == ' ') {
                    end--;
                }
                yield end == cell.length ? cell : Arrays.copyOf(cell, end);
            }
        };
    }

    /** numeric_out's text without the fraction's trailing zeros ({@code 1.50} and {@code 1.5} alike; {@code -0.0} is 0). */
    private static byte[] numericText(byte[] cell) {
        int dot = -1;
        for (int i = 0; i < cell.length; i++) {
            if (cell[i] == '.') {
                dot = i;
                break;
            }
        }
        if (dot < 0) {
            return cell;
        }
        int end = cell.length;
        while (end > dot + 1 && cell[end - 1] == '0') {
            end--;
        }
        if (end == dot + 1) {
            end = dot;
        }
        byte[] normal = Arrays.copyOf(cell, end);
        return normal.length == 2 && normal[0] == '-' && normal[1] == '0' ? "0".getBytes(StandardCharsets.US_ASCII) : normal;
    }
}
