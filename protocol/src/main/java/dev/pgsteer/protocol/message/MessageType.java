package dev.pgsteer.protocol.message;

import dev.pgsteer.protocol.wire.Frame;
import java.util.Arrays;

/**
 * Every type byte of the protocol, once: what a client sends ({@link Frontend}) and what a server
 * sends ({@link Backend}). The two directions reuse letters ('D' is Describe one way and DataRow the
 * other), so a byte means something only together with its direction.
 *
 * <p>{@code switch (MessageType.Frontend.of(frame.type()))} costs one array read: each direction keeps
 * a table of 256 entries indexed by the byte, with {@code UNKNOWN} where the protocol has no message.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public final class MessageType {
    private MessageType() {
    }

    /** The frontend type bytes as constants, for {@code case} labels of a switch on a frame's byte (the hot path's). */
    public static final class FrontendBytes {
        public static final byte QUERY = 'Q';
        public static final byte PARSE = 'P';
        public static final byte BIND = 'B';
        public static final byte DESCRIBE = 'D';
        public static final byte EXECUTE = 'E';
        public static final byte CLOSE = 'C';
        public static final byte FLUSH = 'H';
        public static final byte SYNC = 'S';
        public static final byte FUNCTION_CALL = 'F';
        public static final byte TERMINATE = 'X';
        public static final byte COPY_DATA = 'd';
        public static final byte COPY_DONE = 'c';
        public static final byte COPY_FAIL = 'f';
        public static final byte PASSWORD = 'p';

        private FrontendBytes() {
        }
    }

    /** The backend type bytes as constants, for {@code case} labels of a switch on a frame's byte. */
    public static final class BackendBytes {
        public static final byte AUTHENTICATION = 'R';
        public static final byte PARAMETER_STATUS = 'S';
        public static final byte BACKEND_KEY_DATA = 'K';
        public static final byte NEGOTIATE_PROTOCOL_VERSION = 'v';
        public static final byte READY_FOR_QUERY = 'Z';
        public static final byte ROW_DESCRIPTION = 'T';
        public static final byte DATA_ROW = 'D';
        public static final byte COMMAND_COMPLETE = 'C';
        public static final byte EMPTY_QUERY_RESPONSE = 'I';
        public static final byte ERROR_RESPONSE = 'E';
        public static final byte NOTICE_RESPONSE = 'N';
        public static final byte NOTIFICATION_RESPONSE = 'A';
        public static final byte PARSE_COMPLETE = '1';
        public static final byte BIND_COMPLETE = '2';
        public static final byte CLOSE_COMPLETE = '3';
        public static final byte NO_DATA = 'n';
        public static final byte PORTAL_SUSPENDED = 's';
        public static final byte PARAMETER_DESCRIPTION = 't';
        public static final byte COPY_IN_RESPONSE = 'G';
        public static final byte COPY_OUT_RESPONSE = 'H';
        public static final byte COPY_BOTH_RESPONSE = 'W';
        public static final byte COPY_DATA = 'd';
        public static final byte COPY_DONE = 'c';
        public static final byte FUNCTION_CALL_RESPONSE = 'V';

        private BackendBytes() {
        }
    }

    /** The messages a client sends after its startup packet. */
    public enum Frontend {
        QUERY(FrontendBytes.QUERY),
        PARSE(FrontendBytes.PARSE),
        BIND(FrontendBytes.BIND),
        DESCRIBE(FrontendBytes.DESCRIBE),
        EXECUTE(FrontendBytes.EXECUTE),
        CLOSE(FrontendBytes.CLOSE),
        FLUSH(FrontendBytes.FLUSH),
        SYNC(FrontendBytes.SYNC),
        FUNCTION_CALL(FrontendBytes.FUNCTION_CALL),
        TERMINATE(FrontendBytes.TERMINATE),
        COPY_DATA(FrontendBytes.COPY_DATA),
        COPY_DONE(FrontendBytes.COPY_DONE),
        COPY_FAIL(FrontendBytes.COPY_FAIL),
        /** PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share it: only while authenticating. */
        PASSWORD(FrontendBytes.PASSWORD),
        /** A byte that is no frontend message. */
        UNKNOWN(-1);

        private static final Frontend[] BY_BYTE = table(values(), Frontend::code, UNKNOWN, new Frontend[256]);

        private final byte code;

        Frontend(int code) {
            this.code = (byte) code;
        }

        public byte code() {
            return code;
        }

        public static Frontend of(byte type) {
            return BY_BYTE[type & 0xff];
        }

        /** {@code frame} itself, once it is known to be of this type: what a view over a frame checks first. */
        public Frame expect(Frame frame) {
            if (frame.type() != code || this == UNKNOWN) {
                throw new IllegalArgumentException("not a " + this + " frame: " + frame);
            }
            return frame;
        }
    }

    /** The messages a server sends once the startup packet is answered. */
    public enum Backend {
        AUTHENTICATION(BackendBytes.AUTHENTICATION),
        PARAMETER_STATUS(BackendBytes.PARAMETER_STATUS),
        BACKEND_KEY_DATA(BackendBytes.BACKEND_KEY_DATA),
        NEGOTIATE_PROTOCOL_VERSION(BackendBytes.NEGOTIATE_PROTOCOL_VERSION),
        READY_FOR_QUERY(BackendBytes.READY_FOR_QUERY),
        ROW_DESCRIPTION(BackendBytes.ROW_DESCRIPTION),
        DATA_ROW(BackendBytes.DATA_ROW),
        COMMAND_COMPLETE(BackendBytes.COMMAND_COMPLETE),
        EMPTY_QUERY_RESPONSE(BackendBytes.EMPTY_QUERY_RESPONSE),
        ERROR_RESPONSE(BackendBytes.ERROR_RESPONSE),
        NOTICE_RESPONSE(BackendBytes.NOTICE_RESPONSE),
        NOTIFICATION_RESPONSE(BackendBytes.NOTIFICATION_RESPONSE),
        PARSE_COMPLETE(BackendBytes.PARSE_COMPLETE),
        BIND_COMPLETE(BackendBytes.BIND_COMPLETE),
        CLOSE_COMPLETE(BackendBytes.CLOSE_COMPLETE),
        NO_DATA(BackendBytes.NO_DATA),
        PORTAL_SUSPENDED(BackendBytes.PORTAL_SUSPENDED),
        PARAMETER_DESCRIPTION(BackendBytes.PARAMETER_DESCRIPTION),
        COPY_IN_RESPONSE(BackendBytes.COPY_IN_RESPONSE),
        COPY_OUT_RESPONSE(BackendBytes.COPY_OUT_RESPONSE),
        COPY_BOTH_RESPONSE(BackendBytes.COPY_BOTH_RESPONSE),
        COPY_DATA(BackendBytes.COPY_DATA),
        COPY_DONE(BackendBytes.COPY_DONE),
        FUNCTION_CALL_RESPONSE(BackendBytes.FUNCTION_CALL_RESPONSE),
        /** A byte that is no backend message. */
        UNKNOWN(-1);

        private static final Backend[] BY_BYTE = table(values(), Backend::code, UNKNOWN, new Backend[256]);

        private final byte code;

        Backend(int code) {
            this.code = (byte) code;
        }

        public byte code() {
            return code;
        }

        public static Backend of(byte type) {
            return BY_BYTE[type & 0xff];
        }

        /** {@code frame} itself, once it is known to be of this type: what a view over a frame checks first. */
        public Frame expect(Frame frame) {
            if (frame.type() != code || this == UNKNOWN) {
                throw new IllegalArgumentException("not a " + this + " frame: " + frame);
            }
            return frame;
        }
    }

    private interface Code<T> {
        byte of(T type);
    }

    private static <T> T[] table(T[] types, Code<T> code, T unknown, T[] table) {
        Arrays.fill(table, unknown);
        for (T type : types) {
            if (type != unknown) {
                int at = code.of(type) & 0xff;
                if (table[at] != unknown) {
                    throw new IllegalStateException("type byte " + (char) at + " twice: " + table[at] + ", " + type);
                }
                table[at] = type;
            }
        }
        return table;
    }
}
