package dev.pgsteer.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * {@code logging:}: how pgsteer writes its log. {@code format} is text (one line per event, the
 * session id first) or JSON lines; {@code level} is the level of pgsteer's own loggers, null when the
 * file does not say (then {@code PGSTEER_LOG_LEVEL}, else info); {@code slowStatement} is the
 * threshold above which a statement is logged as slow, null for off.
 */
public record LoggingConfig(Format format, String level, Duration slowStatement) {

    /** Statements slower than this are logged unless the file says otherwise. */
    public static final Duration DEFAULT_SLOW_STATEMENT = Duration.ofSeconds(1);
    public static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error");

    /** Null format: as {@code PGSTEER_LOG_FORMAT} says, else text. */
    public enum Format {
        TEXT,
        JSON;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Format parse(String text) {
            String wanted = text.strip().toLowerCase(Locale.ROOT);
            for (Format format : values()) {
                if (format.configName().equals(wanted)) {
                    return format;
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not a log format; valid ones are text, json");
        }
    }

    public LoggingConfig {
        if (level != null) {
            level = level.strip().toLowerCase(Locale.ROOT);
            if (!LEVELS.contains(level)) {
                throw new IllegalArgumentException("'" + level + "' is not a log level; valid ones are " + String.join(", ", LEVELS));
            }
        }
        if (slowStatement != null && (slowStatement.isNegative() || slowStatement.isZero())) {
            throw new IllegalArgumentException("slowStatement must be positive, or null for off");
        }
    }

    /** Format and level from the environment, slow statements over {@link #DEFAULT_SLOW_STATEMENT}. */
    public static LoggingConfig defaults() {
        return new LoggingConfig(null, null, DEFAULT_SLOW_STATEMENT);
    }
}
