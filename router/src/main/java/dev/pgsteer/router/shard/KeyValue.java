package dev.pgsteer.router.shard;

import dev.pgsteer.config.KeyType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;

/**
 * A shard key's value, typed and normalized for routing: equal values of a type are equal records,
 * hash alike ({@link PgHash}) and compare in PostgreSQL's order for the type.
 *
 * <p>Made from a literal of the statement text ({@link #ofText}) or from a Bind parameter in text
 * ({@link #ofText}) or binary format ({@link #ofBinary}); both give the same value for the same key.
 *
 * <p>PostgreSQL's {@code infinity} and {@code -infinity} of date and the timestamps are the MAX and MIN
 * of the Java type ({@link LocalDate#MAX}, {@link LocalDateTime#MIN}, {@link Instant#MAX}, …).
 */
public sealed interface KeyValue extends Comparable<KeyValue> {

    KeyType type();

    /** The value as PostgreSQL prints it in text ({@code 42}, {@code mars}, {@code 2024-05-01 12:00:00}). */
    String text();

    /** The value as a SQL literal, for messages: integers bare, everything else in single quotes. */
    default String literal() {
        if (this instanceof Int) {
            return text();
        }
        String text = text();
        if (text.length() > 100) {
            text = text.substring(0, 97) + "...";
        }
        return "'" + text.replace("'", "''") + "'";
    }

    /**
     * Orders two values of one type as PostgreSQL does: integers by value, text by its UTF-8 bytes
     * (as collation "C"), uuids by their bytes, dates and timestamps by time.
     *
     * @throws IllegalArgumentException if the values are of different types
     */
    @Override
    default int compareTo(KeyValue other) {
        return switch (this) {
            case Int a when other instanceof Int b -> Long.compare(a.value, b.value);
            case Text a when other instanceof Text b -> compareCodePoints(a.value, b.value);
            case Uuid a when other instanceof Uuid b -> compareUuids(a.value, b.value);
            case Date a when other instanceof Date b -> Integer.compare(a.pgDays(), b.pgDays());
            case Timestamp a when other instanceof Timestamp b -> Long.compare(a.pgMicros(), b.pgMicros());
            case TimestampTz a when other instanceof TimestampTz b -> Long.compare(a.pgMicros(), b.pgMicros());
            default -> throw new IllegalArgumentException("cannot compare a " + type().configName() + " value with a "
                    + other.type().configName() + " value");
        };
    }

    /** int2, int4 and int8 alike. */
    record Int(long value) implements KeyValue {
        @Override
        public KeyType type() {
            return KeyType.INTEGER;
        }

        @Override
        public String text() {
            return Long.toString(value);
        }
    }

    /** text and varchar; what hashes is the UTF-8 encoding of {@code value}. */
    record Text(String value) implements KeyValue {
        public Text {
            Objects.requireNonNull(value, "value");
            for (int i = 0; i < value.length(); i++) {
                char ch = value.charAt(i);
                if (ch == 0) {
                    throw new InvalidShardKeyException("a text shard key cannot contain the character NUL (0x00)");
                }
                if (Character.isSurrogate(ch)) {
                    if (Character.isHighSurrogate(ch) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                        i++;
                    } else {
                        throw new InvalidShardKeyException("a text shard key has a lone UTF-16 surrogate at index " + i);
                    }
                }
            }
        }

        @Override
        public KeyType type() {
            return KeyType.TEXT;
        }

        @Override
        public String text() {
            return value;
        }
    }

    record Uuid(UUID value) implements KeyValue {
        public Uuid {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public KeyType type() {
            return KeyType.UUID;
        }

        @Override
        public String text() {
            return value.toString();
        }
    }

    /** A date; {@link LocalDate#MAX} and {@link LocalDate#MIN} stand for {@code infinity} and {@code -infinity}. */
    record Date(LocalDate value) implements KeyValue {
        public Date {
            Objects.requireNonNull(value, "value");
            if (!value.equals(LocalDate.MAX) && !value.equals(LocalDate.MIN)) {
                long days = value.toEpochDay() - PgHash.PG_EPOCH_DAYS;
                if (days <= Integer.MIN_VALUE || days >= Integer.MAX_VALUE) {
                    throw new InvalidShardKeyException("date " + value + " is out of range for a date shard key");
                }
            }
        }

        /** PostgreSQL's representation: days since 2000-01-01; INT32_MAX / INT32_MIN for the infinities. */
        public int pgDays() {
            if (value.equals(LocalDate.MAX)) {
                return Integer.MAX_VALUE;
            }
            if (value.equals(LocalDate.MIN)) {
                return Integer.MIN_VALUE;
            }
            return (int) (value.toEpochDay() - PgHash.PG_EPOCH_DAYS);
        }

        @Override
        public KeyType type() {
            return KeyType.DATE;
        }

        @Override
        public String text() {
            return value.equals(LocalDate.MAX) ? "infinity" : value.equals(LocalDate.MIN) ? "-infinity" : KeyTexts.dateText(value);
        }
    }

    /**
     * A timestamp without time zone, to the microsecond (finer digits are dropped);
     * {@link LocalDateTime#MAX} and {@link LocalDateTime#MIN} stand for the infinities.
     */
    record Timestamp(LocalDateTime value) implements KeyValue {
        public Timestamp {
            Objects.requireNonNull(value, "value");
            if (!value.equals(LocalDateTime.MAX) && !value.equals(LocalDateTime.MIN)) {
                value = value.truncatedTo(ChronoUnit.MICROS);
                KeyTexts.micros(value.toEpochSecond(ZoneOffset.UTC), value.getNano(), value.toString());
            }
        }

        /** PostgreSQL's representation: microseconds since 2000-01-01 00:00; INT64_MAX / INT64_MIN for the infinities. */
        public long pgMicros() {
            if (value.equals(LocalDateTime.MAX)) {
                return Long.MAX_VALUE;
            }
            if (value.equals(LocalDateTime.MIN)) {
                return Long.MIN_VALUE;
            }
            return KeyTexts.micros(value.toEpochSecond(ZoneOffset.UTC), value.getNano(), null);
        }

        @Override
        public KeyType type() {
            return KeyType.TIMESTAMP;
        }

        @Override
        public String text() {
            if (value.equals(LocalDateTime.MAX)) {
                return "infinity";
            }
            if (value.equals(LocalDateTime.MIN)) {
                return "-infinity";
            }
            return KeyTexts.timestampText(value);
        }
    }

    /**
     * A timestamp with time zone: an instant, to the microsecond; {@link Instant#MAX} and
     * {@link Instant#MIN} stand for the infinities.
     */
    record TimestampTz(Instant value) implements KeyValue {
        public TimestampTz {
            Objects.requireNonNull(value, "value");
            if (!value.equals(Instant.MAX) && !value.equals(Instant.MIN)) {
                value = value.truncatedTo(ChronoUnit.MICROS);
                KeyTexts.micros(value.getEpochSecond(), value.getNano(), value.toString());
            }
        }

        /** PostgreSQL's representation: microseconds since 2000-01-01 00:00 UTC; INT64_MAX / INT64_MIN for the infinities. */
        public long pgMicros() {
            if (value.equals(Instant.MAX)) {
                return Long.MAX_VALUE;
            }
            if (value.equals(Instant.MIN)) {
                return Long.MIN_VALUE;
            }
            return KeyTexts.micros(value.getEpochSecond(), value.getNano(), null);
        }

        @Override
        public KeyType type() {
            return KeyType.TIMESTAMPTZ;
        }

        @Override
        public String text() {
            if (value.equals(Instant.MAX)) {
                return "infinity";
            }
            if (value.equals(Instant.MIN)) {
                return "-infinity";
            }
            return KeyTexts.timestampText(LocalDateTime.ofInstant(value, ZoneOffset.UTC)) + "+00";
        }
    }

    /**
     * The value of {@code text} as PostgreSQL's input function for the type would read it, for the
     * common forms; a timestamptz written without a zone is taken as UTC (see
     * {@link #ofText(KeyType, String, ZoneId)}).
     *
     * <ul>
     *   <li>integer: optional sign and decimal digits ({@code _} between digits allowed), or
     *       {@code 0x}, {@code 0o}, {@code 0b} prefixed digits; surrounding white space ignored;</li>
     *   <li>text: as is, every character counts;</li>
     *   <li>uuid: 32 hex digits, with or without a hyphen after any group of four, optionally in braces;</li>
     *   <li>date: {@code YYYY-MM-DD} (a time after it is ignored), {@code infinity}, {@code -infinity},
     *       {@code epoch}; {@code BC} after it;</li>
     *   <li>timestamp, timestamptz: {@code YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][zone]}, where zone is
     *       {@code Z}, {@code ±HH[[:]MM]} or a region such as {@code Europe/Paris} (ignored by timestamp,
     *       as PostgreSQL does); {@code infinity}, {@code -infinity}, {@code epoch}.</li>
     * </ul>
     * Relative words ({@code now}, {@code today}) are refused: their value depends on when the
     * backend runs the statement.
     *
     * @throws InvalidShardKeyException naming the value when it is not of the type
     */
    static KeyValue ofText(KeyType type, String text) {
        return ofText(type, text, ZoneOffset.UTC);
    }

    /** {@link #ofText(KeyType, String)}, reading a timestamptz without a zone in {@code sessionZone}, as the backend would. */
    static KeyValue ofText(KeyType type, String text, ZoneId sessionZone) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(text, "text");
        return switch (type) {
            case INTEGER -> new Int(KeyTexts.integer(text));
            case TEXT -> new Text(text);
            case UUID -> new Uuid(KeyTexts.uuid(text));
            case DATE -> new Date(KeyTexts.parseDate(text));
            case TIMESTAMP -> new Timestamp(KeyTexts.parseTimestamp(text));
            case TIMESTAMPTZ -> new TimestampTz(KeyTexts.parseTimestampTz(text, sessionZone));
        };
    }

    /**
     * The value of a Bind parameter sent in binary format, PostgreSQL's {@code *send} layout:
     * integer int2, int4 or int8 (told apart by length), big-endian; text its UTF-8 bytes; uuid 16
     * bytes; date int32 days since 2000-01-01; timestamp and timestamptz int64 microseconds since
     * 2000-01-01 00:00 (UTC for timestamptz).
     *
     * @throws InvalidShardKeyException when the length does not fit the type, or text is not UTF-8
     */
    static KeyValue ofBinary(KeyType type, byte[] bytes) {
        return ofBinary(type, bytes, 0, bytes.length);
    }

    /** {@link #ofBinary(KeyType, byte[])} of {@code length} bytes of {@code bytes} from {@code offset}. */
    static KeyValue ofBinary(KeyType type, byte[] bytes, int offset, int length) {
        Objects.requireNonNull(type, "type");
        Objects.checkFromIndexSize(offset, length, bytes.length);
        ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length);
        return switch (type) {
            case INTEGER -> switch (length) {
                case 2 -> new Int(buf.getShort());
                case 4 -> new Int(buf.getInt());
                case 8 -> new Int(buf.getLong());
                default -> throw wrongLength(type, "2, 4 or 8", length);
            };
            case TEXT -> {
                try {
                    yield new Text(StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(buf).toString());
                } catch (CharacterCodingException e) {
                    throw new InvalidShardKeyException("a binary text shard key is not valid UTF-8");
                }
            }
            case UUID -> {
                if (length != 16) {
                    throw wrongLength(type, "16", length);
                }
                yield new Uuid(new UUID(buf.getLong(), buf.getLong()));
            }
            case DATE -> {
                if (length != 4) {
                    throw wrongLength(type, "4", length);
                }
                yield new Date(KeyTexts.fromPgDays(buf.getInt()));
            }
            case TIMESTAMP -> {
                if (length != 8) {
                    throw wrongLength(type, "8", length);
                }
                long micros = buf.getLong();
                yield new Timestamp(micros == Long.MAX_VALUE ? LocalDateTime.MAX
                        : micros == Long.MIN_VALUE ? LocalDateTime.MIN
                        : LocalDateTime.ofInstant(KeyTexts.fromPgMicros(micros), ZoneOffset.UTC));
            }
            case TIMESTAMPTZ -> {
                if (length != 8) {
                    throw wrongLength(type, "8", length);
                }
                long micros = buf.getLong();
                yield new TimestampTz(micros == Long.MAX_VALUE ? Instant.MAX
                        : micros == Long.MIN_VALUE ? Instant.MIN : KeyTexts.fromPgMicros(micros));
            }
        };
    }

    private static InvalidShardKeyException wrongLength(KeyType type, String expected, int length) {
        return new InvalidShardKeyException("a binary " + type.configName() + " shard key is " + expected
                + " bytes long, not " + length);
    }

    /** Code point order, which is the UTF-8 byte order (String.compareTo orders UTF-16 units). */
    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    /** uuid_cmp is memcmp over the 16 bytes: unsigned. */
    private static int compareUuids(UUID a, UUID b) {
        int c = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return c != 0 ? c : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }
}
