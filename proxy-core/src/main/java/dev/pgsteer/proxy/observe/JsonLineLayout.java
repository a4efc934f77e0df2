package dev.pgsteer.proxy.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One JSON object per line: {@code {"ts":"2026-12-01T08:00:00.123Z","level":"INFO","logger":"...",
 * "thread":"...","session":"c42 app@shop","msg":"authenticated, relaying to ...","error":"..."}}.
 * {@code session} is there for a session's lines: pgsteer writes them as {@code "{}: ..."} with the
 * session id as the first argument, and this layout lifts it into its own field, so a log store can
 * filter by session. {@code error} holds a stack trace when there is one.
 */
public final class JsonLineLayout extends LayoutBase<ILoggingEvent> {
    /** What {@code ClientSession.id()} looks like: c, the process id, then user@database once known. */
    private static final Pattern SESSION_ID = Pattern.compile("c\\d+( \\S+@\\S*)?");

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder json = new StringBuilder(256).append('{');
        field(json, "ts", Instant.ofEpochMilli(event.getTimeStamp()).toString()).append(',');
        field(json, "level", event.getLevel().toString()).append(',');
        field(json, "logger", event.getLoggerName()).append(',');
        field(json, "thread", event.getThreadName()).append(',');
        String message = event.getFormattedMessage();
        Object[] arguments = event.getArgumentArray();
        String pattern = event.getMessage();
        if (pattern != null && pattern.startsWith("{}: ") && arguments != null && arguments.length > 0
                && arguments[0] instanceof String id && SESSION_ID.matcher(id).matches() && message.startsWith(id + ": ")) {
            field(json, "session", id).append(',');
            message = message.substring(id.length() + 2);
        }
        field(json, "msg", message);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            json.append(',');
            field(json, "error", ThrowableProxyUtil.asString(thrown));
        }
        return json.append('}').append(CoreConstants.LINE_SEPARATOR).toString();
    }

    private static StringBuilder field(StringBuilder json, String name, String value) {
        json.append('"').append(name).append("\":");
        if (value == null) {
            return json.append("null");
        }
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }
}
