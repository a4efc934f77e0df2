package dev.pgsteer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** What the YAML checks and the catalog check ask of a key type: its example, whether it hashes, why a value is not one. */
class KeyTypeTest {

    @ParameterizedTest(name = "{0}: example {1}, hashable {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "INTEGER     | 1000                                 | true",
            "TEXT        | m                                    | true",
            "UUID        | 80000000-0000-0000-0000-000000000000 | true",
            "DATE        | '2025-01-01'                         | false",
            "TIMESTAMP   | '2025-01-01 00:00:00'                | false",
            "TIMESTAMPTZ | '2025-01-01 00:00:00+00'             | false"})
    void eachTypeShowsAnExampleAndSaysWhetherItHashes(KeyType type, String example, boolean hashable) {
        assertEquals(example, type.example());
        assertEquals(hashable, type.hashable());
    }

    /** The example is quoted as YAML needs it; unquoted, it is a value of its type. */
    @ParameterizedTest
    @EnumSource(KeyType.class)
    void theExampleIsAValueOfItsType(KeyType type) {
        assertEquals(Optional.empty(), type.whyNot(type.example().replace("'", "")));
    }

    @ParameterizedTest(name = "{1} as {0}: {2}")
    @CsvSource(delimiter = '|', value = {
            "INTEGER     | ten        | 'ten' is not an integer",
            "UUID        | 8000       | '8000' is not a uuid",
            "DATE        | 2025-13-01 | '2025-13-01' is not a date (YYYY-MM-DD)",
            "TIMESTAMP   | noon       | 'noon' is not a timestamp (YYYY-MM-DD HH:MM:SS)",
            "TIMESTAMPTZ | noon       | 'noon' is not a timestamp with time zone"})
    void aValueOfAnotherTypeIsToldWhy(KeyType type, String value, String why) {
        assertEquals(Optional.of(why), type.whyNot(value));
    }
}
