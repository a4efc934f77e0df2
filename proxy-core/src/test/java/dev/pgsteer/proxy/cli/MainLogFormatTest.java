package dev.pgsteer.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pgsteer.config.LoggingConfig.Format;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --log-format} and {@code --io-threads}, which every mode takes, are read before the rest of the command line. */
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

    @Test
    void ioThreadsIsTakenOutTheSameWayAndTheLastValueWins() {
        List<String> rest = new ArrayList<>();
        assertEquals("2", Main.takeOption("--io-threads", "a number", List.of("--io-threads=1", "--listen", ":6432", "--io-threads", "2"), rest));
        assertEquals(List.of("--listen", ":6432"), rest);
        assertEquals("--io-threads needs a value: a number",
                assertThrows(IllegalArgumentException.class, () -> Main.takeOption("--io-threads", "a number", List.of("--io-threads"), new ArrayList<>()))
                        .getMessage());
    }
}
