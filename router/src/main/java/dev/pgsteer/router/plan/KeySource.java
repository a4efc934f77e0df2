package dev.pgsteer.router.plan;

/**
 * A placeholder's value as it came: text (a literal of the statement, or a Bind parameter in text
 * format) or the bytes of a Bind parameter in binary format. Null stands for SQL NULL.
 */
public record KeySource(String text, byte[] binary) {

    public static KeySource text(String text) {
        return new KeySource(text, null);
    }

    public static KeySource binary(byte[] bytes) {
        return new KeySource(null, bytes);
    }

    public boolean isBinary() {
        return binary != null;
    }

    /** The values of placeholders $1..$n of one statement. */
    public interface Placeholders {
        /** The value of {@code $number}, null for SQL NULL; throws IndexOutOfBoundsException when there is none. */
        KeySource value(int number);

        Placeholders NONE = number -> {
            throw new IndexOutOfBoundsException("no value for $" + number);
        };
    }
}
