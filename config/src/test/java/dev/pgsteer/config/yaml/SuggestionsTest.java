package dev.pgsteer.config.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SuggestionsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            databses             | databases
            lsiten               | listen
            authTimeout          | auth_timeout
            max-client-connections | max_client_connections
            Backends             | backends
            colour               |
            """)
    void suggestsOnlyLikelyTypos(String typed, String expected) {
        assertEquals(Optional.ofNullable(expected), Suggestions.closest(typed, ConfigBinder.TOP_KEYS));
    }
}
