package dev.pgsteer.config;

import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.Optional;


/**
 * The type of a shard key, as far as routing cares: how its values hash (exactly as PostgreSQL's
 * hash partitioning does for the column's type) and how they compare (for range sharding).
 * int2, int4 and int8 share {@link #INTEGER}: PostgreSQL hashes them alike for values that fit.
 */
public enum KeyType {
    INTEGER("bigint", "integer", "smallint", "int8", "int4", "int2", "int", "serial", "bigserial"),
    TEXT("text", "character varying", "varchar"),
    UUID("uuid"),
    DATE("date"),
    TIMESTAMP("timestamp without time zone", "timestamp"),
    TIMESTAMPTZ("timestamp with time zone", "timestamptz");

    private static final DateTimeFormatter TIMESTAMP_TEXT = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart().appendLiteral(' ').optionalEnd()
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().append(DateTimeFormatter.ISO_LOCAL_TIME).optionalEnd()
            .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
            .toFormatter(Locale.ROOT);

    private final String[] sqlNames;

    KeyType(String... sqlNames) {
        this.sqlNames = sqlNames;
    }

    /** The key type of a column whose type PostgreSQL names {@code sqlName}, or empty if routing cannot use it. */
    public static Optional<KeyType> ofSqlType(String sqlName) {
        String name = sqlName.trim().toLowerCase(Locale.ROOT);
        for (KeyType type : values()) {
            for (String known : type.sqlNames) {
                if (known.equals(name)) {
                    return Optional.of(type);
                }
            }
        }
        return Optional.empty();
    }

    /** The name this type goes by in the YAML ({@code type: uuid}). */
    public String configName() {
        return this == UUID ? "uuid" : name().toLowerCase(Locale.ROOT);
    }

    public static Optional<KeyType> parse(String configName) {
        String name = configName.trim().toLowerCase(Locale.ROOT);
        for (KeyType type : values()) {
            if (type.configName().equals(name)) {
                return Optional.of(type);
            }
        }
        return ofSqlType(name);
    }

    /**
     * Compares two values written as text in this type's order. Throws IllegalArgumentException
     * naming the value when one is not of this type.
     */
    public int compare(String a, String b) {
        return switch (this) {
            case INTEGER -> integer(a).compareTo(integer(b));
            case TEXT -> compareBytes(a, b);
            case UUID -> uuid(a).toString().compareTo(uuid(b).toString());
            case DATE -> date(a).compareTo(date(b));
            case TIMESTAMP -> timestamp(a).compareTo(timestamp(b));
            case TIMESTAMPTZ -> timestamptz(a).compareTo(timestamptz(b));
        };
    }

    /** Whether {@code value} is a valid value of this type. */
    public boolean accepts(String value) {
        try {
            compare(value, value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Why {@code value} is not of this type ("'x' is not a date (YYYY-MM-DD)"), or empty if it is. */
    public Optional<String> whyNot(String value) {
        try {
            compare(value, value);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** PostgreSQL's hash partitioning is reproduced for these types only; range and list take every KeyType. */
    public boolean hashable() {
        return switch (this) {
            case INTEGER, TEXT, UUID -> true;
            case DATE, TIMESTAMP, TIMESTAMPTZ -> false;
        };
    }

    /** A value of this type as the file would write it, for a fix that shows one. */
    public String example() {
        return switch (this) {
            case INTEGER -> "1000";
            case TEXT -> "m";
            case UUID -> "80000000-0000-0000-0000-000000000000";
            case DATE -> "'2025-01-01'";
            case TIMESTAMP -> "'2025-01-01 00:00:00'";
            case TIMESTAMPTZ -> "'2025-01-01 00:00:00+00'";
        };
    }

    /** PostgreSQL compares text in the database collation; routing uses byte order (as collation "C"). */
    private static int compareBytes(String a, String b) {
        return a.compareTo(b);
    }

    private static BigInteger integer(String v) {
        try {
            return new BigInteger(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not an integer");
        }
    }

    private static java.util.UUID uuid(String v) {
        try {
            return java.util.UUID.fromString(v.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + v + "' is not a uuid");
        }
    }

    private static LocalDate date(String v) {
        try {
            return LocalDate.parse(v.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + v + "' is not a date (YYYY-MM-DD)");
        }
    }

    private static LocalDateTime timestamp(String v) {
        try {
            return LocalDateTime.parse(v.trim(), TIMESTAMP_TEXT);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + v + "' is not a timestamp (YYYY-MM-DD HH:MM:SS)");
        }
    }

    private static OffsetDateTime timestamptz(String v) {
        try {
            return OffsetDateTime.parse(v.trim().replace(' ', 'T'));
        } catch (RuntimeException e) {
            try {
                return timestamp(v).atOffset(ZoneOffset.UTC);
            } catch (IllegalArgumentException e2) {
                throw new IllegalArgumentException("'" + v + "' is not a timestamp with time zone");
            }
        }
    }
}
