package dev.pgsteer.proxy.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import dev.pgsteer.config.LoggingConfig;
import java.util.Locale;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code logging:} to Logback, at start and on each reload: the format of the console
 * appender (text lines, or JSON lines by {@link JsonLineLayout}) and the level of pgsteer's loggers.
 * Precedence: {@code --log-format} on the command line, then the file, then the environment
 * ({@code PGSTEER_LOG_FORMAT}, {@code PGSTEER_LOG_LEVEL}), then text at info. Only the command line's
 * {@code pgsteer} uses it: an application that embeds pgsteer keeps its own logging.
 */
public final class LogSetup {
    static final String APPENDER = "CONSOLE";
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg%n";

    private final LoggingConfig.Format commandLineFormat;
    private final Map<String, String> env;
    private LoggingConfig.Format applied;

    /** {@code commandLineFormat}: what {@code --log-format} said, or null. */
    public LogSetup(LoggingConfig.Format commandLineFormat, Map<String, String> env) {
        this.commandLineFormat = commandLineFormat;
        this.env = env;
    }

    public LoggingConfig.Format format(LoggingConfig config) {
        if (commandLineFormat != null) {
            return commandLineFormat;
        }
        if (config.format() != null) {
            return config.format();
        }
        String fromEnv = env.get("PGSTEER_LOG_FORMAT");
        if (fromEnv != null && !fromEnv.isBlank()) {
            try {
                return LoggingConfig.Format.parse(fromEnv);
            } catch (IllegalArgumentException e) {
                LoggerFactory.getLogger(LogSetup.class).warn("PGSTEER_LOG_FORMAT: {}; using text", e.getMessage());
            }
        }
        return LoggingConfig.Format.TEXT;
    }

    public String level(LoggingConfig config) {
        if (config.level() != null) {
            return config.level();
        }
        String fromEnv = env.get("PGSTEER_LOG_LEVEL");
        return fromEnv == null || fromEnv.isBlank() ? "info" : fromEnv.strip().toLowerCase(Locale.ROOT);
    }

    /** Puts {@code config} in force; does nothing when the logging backend is not Logback. */
    public synchronized void apply(LoggingConfig config) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        context.getLogger("dev.pgsteer").setLevel(Level.toLevel(level(config), Level.INFO));
        LoggingConfig.Format format = format(config);
        if (format == applied) {
            return;
        }
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> old = root.getAppender(APPENDER);
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(APPENDER);
        console.setTarget("System.err");
        console.setEncoder(encoder(context, format));
        console.start();
        root.addAppender(console);
        if (old != null && old != console) {
            root.detachAppender(old);
            old.stop();
        }
        applied = format;
    }

    static Encoder<ILoggingEvent> encoder(LoggerContext context, LoggingConfig.Format format) {
        if (format == LoggingConfig.Format.JSON) {
            JsonLineLayout layout = new JsonLineLayout();
            layout.setContext(context);
            layout.start();
            LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
            encoder.setContext(context);
            encoder.setLayout(layout);
            encoder.start();
            return encoder;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(TEXT_PATTERN);
        encoder.start();
        return encoder;
    }
}
