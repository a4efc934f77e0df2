package dev.pgsteer.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.config.LoggingConfig.Format;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --log-format}, which every mode takes, is read before the rest of the command line. */
class MainLogFormatTest {

    @Test
    void theFormatIsTakenOutAndTheRestLeftInOrder() {
        List<String> rest = new ArrayList<>();
        assertEquals(Format.JSON, Main.logFormat(List.of("--config", "a.yaml", "--log-format", "json"), rest));
        assertEquals(List.of("--config", "a.yaml"), rest);
        rest.clear();
        assertEquals(Format.TEXT, Main.logFormat(List.of("--log-format=TEXT", "--listen", ":6432"), rest));
        assertEquals(List.of("--listen", ":6432"), rest);
        rest.clear();
        assertNull(Main.logFormat(List.of(), rest));
    }

    @Test
    void aMissingOrUnknownFormatIsAMistake() {
        assertThrows(IllegalArgumentException.class, () -> Main.logFormat(List.of("--log-format"), new ArrayList<>()));
        assertEquals("'xml' is not a log format; valid ones are text, json",
                assertThrows(IllegalArgumentException.class, () -> Main.logFormat(List.of("--log-format", "xml"), new ArrayList<>()))
                        .getMessage());
    }
}
