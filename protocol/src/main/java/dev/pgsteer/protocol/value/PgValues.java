package dev.pgsteer.protocol.value;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The values of the types a multi-shard merge compares or computes, in PostgreSQL's text and binary
 * formats (protocol chapter 55.2, "Formats and Format Codes"; binary layouts as in each type's
 * {@code *_send}). Everything else passes through as bytes.
 *
 * <p>{@link #sortKey} maps a value to something ordered as PostgreSQL orders it: integers, numeric
 * (NaN above everything), floats (NaN above everything), dates and timestamps (text in DateStyle
 * ISO, as drivers set it), bool, uuid, and character types in byte order of their UTF-8, which is
 * PostgreSQL's order under collation "C" only.
 */
public final class PgValues {
    public static final int BOOL = 16;
    public static final int NAME = 19;
    public static final int INT8 = 20;
    public static final int INT2 = 21;
    public static final int INT4 = 23;
    public static final int TEXT = 25;
    public static final int OID = 26;
    public static final int FLOAT4 = 700;
    public static final int FLOAT8 = 701;
    public static final int BPCHAR = 1042;
    public static final int VARCHAR = 1043;
    public static final int DATE = 1082;
    public static final int TIMESTAMP = 1114;
    public static final int TIMESTAMPTZ = 1184;
    public static final int NUMERIC = 1700;
    public static final int UUID = 2950;

    private static final LocalDate POSTGRES_EPOCH = LocalDate.of(2000, 1, 1);
    private static final int NUMERIC_POS = 0x0000;
    private static final int NUMERIC_NEG = 0x4000;
    private static final int NUMERIC_NAN = 0xC000;
    private static final int NUMERIC_PINF = 0xD000;
    private static final int NUMERIC_NINF = 0xF000;

    private PgValues() {
    }

    /** Whether {@link #sortKey} can order values of this type. */
    public static boolean sortable(int oid) {
        return switch (oid) {
            case BOOL, NAME, INT8, INT2, INT4, TEXT, OID, FLOAT4, FLOAT8, BPCHAR, VARCHAR, DATE, TIMESTAMP, TIMESTAMPTZ,
                    NUMERIC, UUID -> true;
            default -> false;
        };
    }

    /** Whether {@link #decimal} can read values of this type as numbers. */
    public static boolean numeric(int oid) {
        return switch (oid) {
            case INT8, INT2, INT4, OID, FLOAT4, FLOAT8, NUMERIC -> true;
            default -> false;
        };
    }

    /** A key ordered as PostgreSQL orders the value; keys of one column and format compare with each other. */
    @SuppressWarnings("rawtypes")
    public static Comparable sortKey(int oid, boolean binary, byte[] value) {
        return switch (oid) {
            case INT2, INT4, INT8, OID -> binary ? (Comparable) integer(value) : Long.parseLong(text(value).trim());
            case NUMERIC -> new NumericKey(binary ? numericBinary(value) : numericText(text(value)));
            case FLOAT4, FLOAT8 -> binary ? (value.length == 4 ? (double) ByteBuffer.wrap(value).getFloat()
                    : ByteBuffer.wrap(value).getDouble()) : Double.parseDouble(text(value));
            case BOOL -> binary ? (long) value[0] : (long) (value.length > 0 && value[0] == 't' ? 1 : 0);
            case DATE -> binary ? (long) ByteBuffer.wrap(value).getInt() : dateDays(text(value));
            case TIMESTAMP, TIMESTAMPTZ -> binary ? ByteBuffer.wrap(value).getLong() : timestampMicros(text(value));
            case TEXT, VARCHAR, BPCHAR, NAME, UUID -> new Bytes(value);
            default -> throw new IllegalArgumentException("pgsteer cannot compare values of type oid " + oid);
        };
    }

    /** A numeric value (integers, numeric, floats) as a decimal; null for NaN and infinities. */
    public static BigDecimal decimal(int oid, boolean binary, byte[] value) {
        return switch (oid) {
            case INT2, INT4, INT8, OID -> BigDecimal.valueOf(binary ? integer(value) : Long.parseLong(text(value).trim()));
            case NUMERIC -> {
                Numeric n = binary ? numericBinary(value) : numericText(text(value));
                yield n.special() == 0 ? n.value() : null;
            }
            case FLOAT4, FLOAT8 -> {
                double d = (double) sortKey(oid, binary, value);
                yield Double.isFinite(d) ? new BigDecimal(d) : null;
            }
            default -> throw new IllegalArgumentException("pgsteer cannot read values of type oid " + oid + " as numbers");
        };
    }

    /** A double from a float4 or float8 value. */
    public static double float8(int oid, boolean binary, byte[] value) {
        return (double) sortKey(oid, binary, value);
    }

    public static long int8(boolean binary, byte[] value) {
        return binary ? integer(value) : Long.parseLong(text(value).trim());
    }

    public static byte[] encodeInt8(long v, boolean binary) {
        return binary ? ByteBuffer.allocate(8).putLong(v).array() : Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] encodeFloat8(double v, boolean binary) {
        return binary ? ByteBuffer.allocate(8).putDouble(v).array() : float8Text(v).getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] encodeFloat4(float v, boolean binary) {
        return binary ? ByteBuffer.allocate(4).putFloat(v).array() : float4Text(v).getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] encodeNumeric(BigDecimal v, boolean binary) {
        return binary ? numericBinary(v) : v.toPlainString().getBytes(StandardCharsets.US_ASCII);
    }

    // --- integers ---

    private static long integer(byte[] value) {
        return switch (value.length) {
            case 2 -> ByteBuffer.wrap(value).getShort();
            case 4 -> ByteBuffer.wrap(value).getInt();
            case 8 -> ByteBuffer.wrap(value).getLong();
            default -> throw new IllegalArgumentException("an integer of " + value.length + " bytes");
        };
    }

    // --- numeric ---

    /** A numeric with its special values: 0 finite, 1 +Infinity, -1 -Infinity, 2 NaN (above all, as PostgreSQL sorts it). */
    public record Numeric(BigDecimal value, int special) {
    }

    private record NumericKey(Numeric n) implements Comparable<NumericKey> {
        @Override
        public int compareTo(NumericKey o) {
            if (n.special() != 0 || o.n.special() != 0) {
                return Integer.compare(n.special() == 2 ? 3 : n.special(), o.n.special() == 2 ? 3 : o.n.special());
            }
            return n.value().compareTo(o.n.value());
        }
    }

    public static Numeric numericText(String s) {
        return switch (s) {
            case "NaN" -> new Numeric(null, 2);
            case "Infinity" -> new Numeric(null, 1);
            case "-Infinity" -> new Numeric(null, -1);
            default -> new Numeric(new BigDecimal(s), 0);
        };
    }

    /** {@code int16 ndigits | int16 weight | int16 sign | int16 dscale | int16 digit * ndigits}, digits base 10000. */
    public static Numeric numericBinary(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        int ndigits = b.getShort();
        int weight = b.getShort();
        int sign = b.getShort() & 0xffff;
        int dscale = b.getShort();
        switch (sign) {
            case NUMERIC_NAN -> {
                return new Numeric(null, 2);
            }
            case NUMERIC_PINF -> {
                return new Numeric(null, 1);
            }
            case NUMERIC_NINF -> {
                return new Numeric(null, -1);
            }
            default -> {
            }
        }
        BigInteger digits = BigInteger.ZERO;
        BigInteger base = BigInteger.valueOf(10000);
        for (int i = 0; i < ndigits; i++) {
            digits = digits.multiply(base).add(BigInteger.valueOf(b.getShort()));
        }
        BigDecimal v = new BigDecimal(digits).scaleByPowerOfTen(4 * (weight - ndigits + 1)).setScale(dscale, RoundingMode.DOWN);
        return new Numeric(sign == NUMERIC_NEG ? v.negate() : v, 0);
    }

    public static byte[] numericBinary(BigDecimal v) {
        int dscale = Math.max(0, v.scale());
        BigDecimal abs = v.abs().setScale(dscale, RoundingMode.UNNECESSARY);
        String all = abs.unscaledValue().toString();
        int integerLength = all.length() - dscale;
        String integer = integerLength > 0 ? all.substring(0, integerLength) : "";
        String fraction = integerLength > 0 ? all.substring(integerLength) : "0".repeat(-integerLength) + all;
        integer = "0".repeat((4 - integer.length() % 4) % 4) + integer;
        fraction = fraction + "0".repeat((4 - fraction.length() % 4) % 4);
        String groups = integer + fraction;
        List<Integer> digits = new ArrayList<>();
        for (int i = 0; i < groups.length(); i += 4) {
            digits.add(Integer.parseInt(groups.substring(i, i + 4)));
        }
        int weight = integer.length() / 4 - 1;
        while (!digits.isEmpty() && digits.getFirst() == 0) {
            digits.removeFirst();
            weight--;
        }
        while (!digits.isEmpty() && digits.getLast() == 0) {
            digits.removeLast();
        }
        if (digits.isEmpty()) {
            weight = 0;
        }
        ByteBuffer out = ByteBuffer.allocate(8 + 2 * digits.size());
        out.putShort((short) digits.size()).putShort((short) weight)
                .putShort((short) (v.signum() < 0 ? NUMERIC_NEG : NUMERIC_POS)).putShort((short) dscale);
        digits.forEach(d -> out.putShort(d.shortValue()));
        return out.array();
    }

    /**
     * {@code sum / count} as PostgreSQL's numeric division gives it for avg: rounded (half away from
     * zero) to {@code select_div_scale}'s scale, at least 16 significant digits and no less than
     * either operand's display scale.
     */
    public static BigDecimal average(BigDecimal sum, long count) {
        BigDecimal n = BigDecimal.valueOf(count);
        int[] first1 = firstDigit(sum);
        int[] first2 = firstDigit(n);
        int qweight = first1[0] - first2[0];
        if (first1[1] <= first2[1]) {
            qweight--;
        }
        int rscale = 16 - qweight * 4;
        rscale = Math.max(rscale, Math.max(0, sum.scale()));
        rscale = Math.max(rscale, 0);
        rscale = Math.min(rscale, 1000);
        return sum.divide(n, rscale, RoundingMode.HALF_UP);
    }

    /** The weight (in base-10000 digits) and value of a number's first nonzero base-10000 digit; {0, 0} for zero. */
    private static int[] firstDigit(BigDecimal v) {
        if (v.signum() == 0) {
            return new int[] {0, 0};
        }
        BigDecimal abs = v.abs();
        int exponent = abs.precision() - abs.scale() - 1;
        int weight = Math.floorDiv(exponent, 4);
        int digit = abs.movePointLeft(4 * weight).setScale(0, RoundingMode.DOWN).intValueExact() % 10000;
        return new int[] {weight, digit};
    }

    // --- floats ---

    /** float8 text as PostgreSQL 12+ writes it (extra_float_digits 1): the shortest exact digits, %e-style outside 1e-4..1e15. */
    public static String float8Text(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0" : "0";
        }
        return shortest(new BigDecimal(Double.toString(d)), 15);
    }

    public static String float4Text(float f) {
        if (Float.isNaN(f)) {
            return "NaN";
        }
        if (Float.isInfinite(f)) {
            return f > 0 ? "Infinity" : "-Infinity";
        }
        if (f == 0) {
            return 1 / f < 0 ? "-0" : "0";
        }
        return shortest(new BigDecimal(Float.toString(f)), 6);
    }

    private static String shortest(BigDecimal value, int fixedBelow) {
        BigDecimal v = value.stripTrailingZeros();
        String digits = v.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - v.scale();
        String sign = v.signum() < 0 ? "-" : "";
        if (exponent >= -4 && exponent < fixedBelow) {
            return sign + v.abs().toPlainString();
        }
        StringBuilder out = new StringBuilder(sign).append(digits.charAt(0));
        if (digits.length() > 1) {
            out.append('.').append(digits, 1, digits.length());
        }
        int e = Math.abs(exponent);
        return out.append('e').append(exponent < 0 ? '-' : '+').append(e < 10 ? "0" : "").append(e).toString();
    }

    // --- dates and times (DateStyle ISO) ---

    private static long dateDays(String s) {
        return switch (s) {
            case "infinity" -> Integer.MAX_VALUE;
            case "-infinity" -> Integer.MIN_VALUE;
            default -> ChronoUnit.DAYS.between(POSTGRES_EPOCH, isoDate(s));
        };
    }

    private static LocalDate isoDate(String s) {
        boolean bc = s.endsWith(" BC");
        String date = bc ? s.substring(0, s.length() - 3) : s;
        int dash = date.indexOf('-', 1);
        int year = Integer.parseInt(date.substring(0, dash));
        LocalDate d = LocalDate.parse("2000" + date.substring(dash));
        return d.withYear(bc ? 1 - year : year);
    }

    /** Microseconds since 2000-01-01 (UTC for timestamptz): {@code 2025-01-02 03:04:05.123456[+01[:30]]}. */
    private static long timestampMicros(String s) {
        switch (s) {
            case "infinity" -> {
                return Long.MAX_VALUE;
            }
            case "-infinity" -> {
                return Long.MIN_VALUE;
            }
            default -> {
            }
        }
        boolean bc = s.endsWith(" BC");
        String t = bc ? s.substring(0, s.length() - 3) : s;
        int space = t.indexOf(' ');
        LocalDate date = isoDate(t.substring(0, space) + (bc ? " BC" : ""));
        String time = t.substring(space + 1);
        int zone = Math.max(time.indexOf('+'), time.indexOf('-'));
        int offsetSeconds = 0;
        if (zone >= 0) {
            String[] parts = time.substring(zone + 1).split(":");
            offsetSeconds = Integer.parseInt(parts[0]) * 3600 + (parts.length > 1 ? Integer.parseInt(parts[1]) * 60 : 0)
                    + (parts.length > 2 ? Integer.parseInt(parts[2]) : 0);
            if (time.charAt(zone) == '-') {
                offsetSeconds = -offsetSeconds;
            }
            time = time.substring(0, zone);
        }
        LocalDateTime local = date.atTime(LocalTime.parse(time));
        long seconds = local.toEpochSecond(ZoneOffset.ofTotalSeconds(0)) - offsetSeconds
                - POSTGRES_EPOCH.atStartOfDay().toEpochSecond(ZoneOffset.UTC);
        return seconds * 1_000_000L + local.getNano() / 1000;
    }

    private static String text(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    /** Bytes ordered as unsigned, shorter first on a common prefix: memcmp order, collation "C". */
    private record Bytes(byte[] bytes) implements Comparable<Bytes> {
        @Override
        public int compareTo(Bytes o) {
            return Arrays.compareUnsigned(bytes, o.bytes);
        }
    }
}
