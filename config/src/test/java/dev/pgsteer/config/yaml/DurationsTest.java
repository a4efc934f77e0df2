package dev.pgsteer.config.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({"500ms, 500", "5s, 5000", "10m, 600000", "1h, 3600000", "30, 30000", "' 2s ', 2000"})
    void readsTheUnitsOperatorsWrite(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5 minutes", "1d", "-5s", "1.5s", "s", "PT5S"})
    void rejectsEverythingElse(String text) {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0ms"})
    void zeroIsNotPositive(String text) {
        assertEquals(Duration.ZERO, Durations.parse(text));
        assertThrows(IllegalArgumentException.class, () -> Durations.parsePositive(text));
    }
}
