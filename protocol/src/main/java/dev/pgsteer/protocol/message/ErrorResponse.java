package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.wire.Wire;
import io.netty.buffer.ByteBuf;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code 'E' | int32 len | (byte field, cstring value)* | 0}, and the identical NoticeResponse ({@code 'N'}).
 * Only errors pgsteer raises itself are built here; a backend's errors are relayed as raw frames.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-error-fields.html">Error and notice fields</a>
 */
public record ErrorResponse(byte type, Map<Character, String> fields) implements BackendMessage {
    public static final byte ERROR = 'E';
    public static final byte NOTICE = 'N';

    public static final char SEVERITY = 'S';
    public static final char SEVERITY_NONLOCALIZED = 'V';
    public static final char CODE = 'C';
    public static final char MESSAGE = 'M';
    public static final char DETAIL = 'D';
    public static final char HINT = 'H';

    public ErrorResponse {
        if (type != ERROR && type != NOTICE) {
            throw new IllegalArgumentException("not an error or notice type: " + (char) type);
        }
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public enum Severity { ERROR, FATAL, WARNING, NOTICE }

    public static ErrorResponse of(Severity severity, SqlState state, String message) {
        return of(severity, state, message, null, null);
    }

    public static ErrorResponse of(Severity severity, SqlState state, String message, String detail, String hint) {
        return of(severity, state.code(), message, detail, hint);
    }

    /** An error with a SQLSTATE given as its five characters (one pgsteer's router decided on). */
    public static ErrorResponse of(Severity severity, String sqlState, String message, String detail, String hint) {
        Map<Character, String> fields = new LinkedHashMap<>();
        fields.put(SEVERITY, severity.name());
        fields.put(SEVERITY_NONLOCALIZED, severity.name());
        fields.put(CODE, sqlState);
        fields.put(MESSAGE, message);
        if (detail != null) {
            fields.put(DETAIL, detail);
        }
        if (hint != null) {
            fields.put(HINT, hint);
        }
        byte type = severity == Severity.ERROR || severity == Severity.FATAL ? ERROR : NOTICE;
        return new ErrorResponse(type, fields);
    }

    public static ErrorResponse decode(byte type, ByteBuf body) {
        ByteBuf in = body.duplicate();
        Map<Character, String> fields = new LinkedHashMap<>();
        while (in.isReadable()) {
            byte field = in.readByte();
            if (field == 0) {
                break;
            }
            fields.put((char) field, Wire.readCString(in));
        }
        return new ErrorResponse(type, fields);
    }

    /** The same error at another severity: a pool failure is an ERROR mid-session but FATAL at login. */
    public ErrorResponse withSeverity(Severity severity) {
        Map<Character, String> changed = new LinkedHashMap<>(fields);
        changed.put(SEVERITY, severity.name());
        changed.put(SEVERITY_NONLOCALIZED, severity.name());
        return new ErrorResponse(severity == Severity.ERROR || severity == Severity.FATAL ? ERROR : NOTICE, changed);
    }

    public String severity() {
        return fields.getOrDefault(SEVERITY_NONLOCALIZED, fields.get(SEVERITY));
    }

    public String sqlState() {
        return fields.get(CODE);
    }

    public String message() {
        return fields.get(MESSAGE);
    }

    public boolean isFatal() {
        String severity = severity();
        return "FATAL".equals(severity) || "PANIC".equals(severity);
    }

    @Override
    public void encode(ByteBuf out) {
        int length = Wire.beginMessage(out, (char) type);
        fields.forEach((field, value) -> {
            out.writeByte(field);
            Wire.writeCString(out, value);
        });
        out.writeByte(0);
        Wire.endMessage(out, length);
    }
}
