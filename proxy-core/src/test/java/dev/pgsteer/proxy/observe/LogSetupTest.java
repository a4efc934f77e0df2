package dev.pgsteer.proxy.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgsteer.config.LoggingConfig.Format;
import dev.pgsteer.config.LoggingConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which format and level win: the command line, then the file, then the environment, then text at info. */
class LogSetupTest {
    private static final LoggingConfig UNSET = LoggingConfig.defaults();
    private static final LoggingConfig JSON_DEBUG = new LoggingConfig(Format.JSON, "debug", Duration.ofSeconds(1));

    @Test
    void theCommandLineWinsThenTheFileThenTheEnvironment() {
        Map<String, String> env = Map.of("PGSTEER_LOG_FORMAT", "JSON", "PGSTEER_LOG_LEVEL", "WARN");
        assertEquals(Format.TEXT, new LogSetup(Format.TEXT, env).format(JSON_DEBUG));
        assertEquals(Format.JSON, new LogSetup(null, Map.of()).format(JSON_DEBUG));
        assertEquals(Format.JSON, new LogSetup(null, env).format(UNSET));
        assertEquals("debug", new LogSetup(null, env).level(JSON_DEBUG));
        assertEquals("warn", new LogSetup(null, env).level(UNSET));
    }

    @Test
    void nothingSaidIsTextAtInfo() {
        assertEquals(Format.TEXT, new LogSetup(null, Map.of()).format(UNSET));
        assertEquals("info", new LogSetup(null, Map.of()).level(UNSET));
        assertEquals(Format.TEXT, new LogSetup(null, Map.of("PGSTEER_LOG_FORMAT", "yaml")).format(UNSET));
    }
}
