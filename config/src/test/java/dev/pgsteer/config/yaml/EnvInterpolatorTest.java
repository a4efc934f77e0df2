package dev.pgsteer.config.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvInterpolatorTest {

    private final EnvInterpolator env = new EnvInterpolator(Map.of("HOST", "db", "EMPTY", "", "TRICKY", "${HOST}"));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            plain                  | plain
            ${HOST}                | db
            pg://${HOST}:5432/x    | pg://db:5432/x
            ${UNSET:-fallback}     | fallback
            ${HOST:-fallback}      | db
            ${EMPTY:-fallback}     | fallback
            ${UNSET:-}             | ""
            ${TRICKY}              | ${HOST}
            $${HOST}               | ${HOST}
            cost $5                | cost $5
            SCRAM-SHA-256$4096:a$b | SCRAM-SHA-256$4096:a$b
            """)
    void substitutes(String text, String expected) {
        assertEquals(expected, env.apply(text));
    }

    @Test
    void anUnsetVariableWithoutDefaultIsNamed() {
        EnvInterpolator.UnsetVariableException e =
                assertThrows(EnvInterpolator.UnsetVariableException.class, () -> env.apply("x${DB_PASSWORD}y"));
        assertEquals("DB_PASSWORD", e.variable());
    }

    @Test
    void malformedReferencesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> env.apply("${HOST"));
        assertThrows(IllegalArgumentException.class, () -> env.apply("${1BAD}"));
        assertThrows(IllegalArgumentException.class, () -> env.apply("${}"));
    }
}
