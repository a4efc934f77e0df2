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

    /** The messages a client sends after its startup packet. */
    public enum Frontend {
        QUERY('Q'),
        PARSE('P'),
        BIND('B'),
        DESCRIBE('D'),
        EXECUTE('E'),
        CLOSE('C'),
        FLUSH('H'),
        SYNC('S'),
        FUNCTION_CALL('F'),
        TERMINATE('X'),
        COPY_DATA('d'),
        COPY_DONE('c'),
        COPY_FAIL('f'),
        /** PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share it: only while authenticating. */
        PASSWORD('p'),
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
        AUTHENTICATION('R'),
        PARAMETER_STATUS('S'),
        BACKEND_KEY_DATA('K'),
        NEGOTIATE_PROTOCOL_VERSION('v'),
        READY_FOR_QUERY('Z'),
        ROW_DESCRIPTION('T'),
        DATA_ROW('D'),
        COMMAND_COMPLETE('C'),
        EMPTY_QUERY_RESPONSE('I'),
        ERROR_RESPONSE('E'),
        NOTICE_RESPONSE('N'),
        NOTIFICATION_RESPONSE('A'),
        PARSE_COMPLETE('1'),
        BIND_COMPLETE('2'),
        CLOSE_COMPLETE('3'),
        NO_DATA('n'),
        PORTAL_SUSPENDED('s'),
        PARAMETER_DESCRIPTION('t'),
        COPY_IN_RESPONSE('G'),
        COPY_OUT_RESPONSE('H'),
        COPY_BOTH_RESPONSE('W'),
        COPY_DATA('d'),
        COPY_DONE('c'),
        FUNCTION_CALL_RESPONSE('V'),
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
