package dev.pgsteer.protocol.codec;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;

/**
 * The layout of every message a client may send once logged in, checked the way PostgreSQL reads
 * it (postgres.c, fastpath.c and pqformat.c): the same fields in the same order, refused with the
 * same words. Every session type checks its client's frames here before acting on one, so none of
 * them reads a message PostgreSQL would refuse, and none reads one differently from the others.
 *
 * <pre>
 * Query        'Q' | cstring sql
 * Parse        'P' | cstring statement | cstring sql | int16 n | int32 type * n
 * Bind         'B' | cstring portal | cstring statement | int16 nf | int16 format * nf
 *                  | int16 n | (int32 len (-1: NULL) | byte * len) * n | int16 nr | int16 format * nr
 * Describe     'D' | byte 'S' or 'P' | cstring name
 * Close        'C' | byte 'S' or 'P' | cstring name
 * Execute      'E' | cstring portal | int32 maxRows
 * Flush, Sync  'H', 'S' | nothing
 * FunctionCall 'F' | int32 oid | int16 nf | int16 format * nf | int16 n
 *                  | (int32 len (-1: NULL) | byte * len) * n | int16 resultFormat
 * Terminate, CopyData, CopyDone, CopyFail: PostgreSQL reads nothing of their bodies outside COPY,
 *              and during COPY no more than a CopyFail's message, which is the COPY's to check.
 * </pre>
 *
 * <p>What PostgreSQL answers with an ERROR and skips (a malformed message of a known type) ends a
 * pgsteer session: the sessions act on what they read, and a message that is not what it claims is
 * not one to route. Unknown types and bad lengths end a PostgreSQL session too.
 *
 * <p>One difference is deliberate: during COPY FROM STDIN PostgreSQL ignores Flush and Sync without
 * reading them, so a Flush or Sync with a body passes there. The check here does not know whether
 * a backend is in COPY (a relay to one backend does not follow it), and refuses them always.
 *
 * <p>This is on the path of every statement: a valid frame is checked in one pass over its bytes,
 * with absolute reads and no allocation.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message formats</a>
 */
public final class FrontendFrames {
    /** PostgreSQL's PQ_SMALL_MESSAGE_LIMIT: the most a message of a {@linkplain #isSmall small type} may be. */
    public static final int SMALL_MESSAGE_LIMIT = 10_000;

    // Package-private: StreamedFrameCheck reports the same violations of a message it reads in pieces.
    static final Verdict.ProtocolViolation INVALID_STRING = new Verdict.ProtocolViolation("invalid string in message");
    static final Verdict.ProtocolViolation INVALID_FORMAT = new Verdict.ProtocolViolation("invalid message format");
    static final Verdict.ProtocolViolation INSUFFICIENT_DATA = new Verdict.ProtocolViolation("insufficient data left in message");
    private static final Verdict.ProtocolViolation NO_DATA = new Verdict.ProtocolViolation("no data left in message");
    private static final Verdict.ProtocolViolation INVALID_LENGTH = new Verdict.ProtocolViolation("invalid message length");

    private FrontendFrames() {
    }

    /** The types a logged-in session may send (SocketBackend's list in postgres.c). */
    public static boolean isSessionType(byte type) {
        return switch (Frontend.of(type)) {
            case QUERY, PARSE, BIND, DESCRIBE, EXECUTE, CLOSE, FLUSH, SYNC, FUNCTION_CALL, TERMINATE,
                 COPY_DATA, COPY_DONE, COPY_FAIL -> true;
            case PASSWORD, UNKNOWN -> false;
        };
    }

    /** The types a client may send after its startup packet at all: the session's, and password messages. */
    public static boolean isFrontendType(byte type) {
        return Frontend.of(type) != Frontend.UNKNOWN;
    }

    /** Types PostgreSQL limits to {@value #SMALL_MESSAGE_LIMIT} bytes: nothing in them needs more. */
    public static boolean isSmall(byte type) {
        return switch (Frontend.of(type)) {
            case DESCRIBE, EXECUTE, CLOSE, FLUSH, SYNC, TERMINATE, COPY_DONE, COPY_FAIL -> true;
            case QUERY, PARSE, BIND, FUNCTION_CALL, COPY_DATA, PASSWORD, UNKNOWN -> false;
        };
    }

    /** PostgreSQL's words for a type byte that is no message it knows, which it answers with FATAL. */
    public static Verdict.ProtocolViolation invalidType(byte type) {
        return new Verdict.ProtocolViolation("invalid frontend message type " + (type & 0xff));
    }

    /** PostgreSQL's words for a length word out of bounds for its type. */
    public static Verdict.ProtocolViolation invalidLength() {
        return INVALID_LENGTH;
    }

    public static Verdict check(Frame frame) {
        ByteBuf content = frame.content();
        return check(content, content.readerIndex(), content.writerIndex());
    }

    /**
     * Checks the whole frame in {@code buf} from {@code start} (its type byte) to {@code end}
     * (exclusive), as a message of a logged-in session. Neither index of {@code buf} moves.
     */
    public static Verdict check(ByteBuf buf, int start, int end) {
        if (end - start < Frame.HEADER_LENGTH) {
            return INVALID_LENGTH;
        }
        byte type = buf.getByte(start);
        Frontend message = Frontend.of(type);
        if (message == Frontend.PASSWORD || message == Frontend.UNKNOWN) {
            return invalidType(type);
        }
        int length = buf.getInt(start + 1);
        if (length != end - start - 1 || (isSmall(type) && length > SMALL_MESSAGE_LIMIT)) {
            return INVALID_LENGTH;
        }
        int at = start + Frame.HEADER_LENGTH;
        return switch (message) {
            case QUERY -> {
                int sqlEnd = cstring(buf, at, end);
                yield sqlEnd < 0 ? INVALID_STRING : endsAt(sqlEnd, end);
            }
            case PARSE -> parse(buf, at, end);
            case BIND -> bind(buf, at, end);
            case DESCRIBE -> target(buf, at, end, "DESCRIBE");
            case CLOSE -> target(buf, at, end, "CLOSE");
            case EXECUTE -> {
                int portalEnd = cstring(buf, at, end);
                yield portalEnd < 0 ? INVALID_STRING : endsAt(skip(portalEnd, 4, end), end);
            }
            case FLUSH, SYNC -> at == end ? Verdict.Valid.FRAME : INVALID_FORMAT;
            case FUNCTION_CALL -> functionCall(buf, at, end);
            // Outside COPY PostgreSQL ignores all three copy messages unread, and Terminate ends the
            // session unread. During COPY a CopyFail's message without its NUL fails the COPY with
            // ERROR "invalid string in message", not the session: the COPY's reader says so.
            case TERMINATE, COPY_DATA, COPY_DONE, COPY_FAIL -> Verdict.Valid.FRAME;
            case PASSWORD, UNKNOWN -> invalidType(type);
        };
    }

    private static Verdict parse(ByteBuf buf, int at, int end) {
        at = cstring(buf, at, end);
        if (at >= 0) {
            at = cstring(buf, at, end);
        }
        if (at < 0) {
            return INVALID_STRING;
        }
        if (end - at < 2) {
            return INSUFFICIENT_DATA;
        }
        int types = buf.getUnsignedShort(at);
        return endsAt(skip(at + 2, 4 * types, end), end);
    }

    private static Verdict bind(ByteBuf buf, int at, int end) {
        at = cstring(buf, at, end);
        if (at >= 0) {
            at = cstring(buf, at, end);
        }
        if (at < 0) {
            return INVALID_STRING;
        }
        if (end - at < 2) {
            return INSUFFICIENT_DATA;
        }
        int formats = buf.getUnsignedShort(at);
        at = skip(at + 2, 2 * formats, end);
        if (at < 0 || end - at < 2) {
            return INSUFFICIENT_DATA;
        }
        int parameters = buf.getUnsignedShort(at);
        at += 2;
        if (formats > 1 && formats != parameters) {
            return bindFormatsMismatch(formats, parameters);
        }
        at = values(buf, at, end, parameters, false);
        if (at < 0 || end - at < 2) {
            return INSUFFICIENT_DATA;
        }
        int resultFormats = buf.getUnsignedShort(at);
        return endsAt(skip(at + 2, 2 * resultFormats, end), end);
    }

    static Verdict.ProtocolViolation bindFormatsMismatch(int formats, int parameters) {
        return new Verdict.ProtocolViolation("bind message has " + formats + " parameter formats but " + parameters + " parameters");
    }

    private static Verdict functionCall(ByteBuf buf, int at, int end) {
        if (end - at < 6) {
            return INSUFFICIENT_DATA;
        }
        int formats = buf.getUnsignedShort(at + 4);
        at = skip(at + 6, 2 * formats, end);
        if (at < 0 || end - at < 2) {
            return INSUFFICIENT_DATA;
        }
        int arguments = buf.getUnsignedShort(at);
        at += 2;
        if (formats > 1 && formats != arguments) {
            return new Verdict.ProtocolViolation("function call message contains " + formats + " argument formats but "
                    + arguments + " arguments");
        }
        int argumentsEnd = values(buf, at, end, arguments, true);
        if (argumentsEnd == BAD_SIZE) {
            return new Verdict.ProtocolViolation("invalid argument size " + firstBadSize(buf, at, arguments)
                    + " in function call message");
        }
        return argumentsEnd < 0 ? INSUFFICIENT_DATA : endsAt(skip(argumentsEnd, 2, end), end);
    }

    private static final int BAD_SIZE = -2;

    /**
     * Skips {@code count} values of {@code int32 len | byte * len}, where -1 is NULL; returns where they
     * end, or -1 when they do not fit. Another negative length is read as PostgreSQL reads it: a Bind's
     * has no data that long (-1), a FunctionCall's is an invalid size ({@link #BAD_SIZE}).
     */
    private static int values(ByteBuf buf, int at, int end, int count, boolean functionCall) {
        for (int i = 0; i < count; i++) {
            if (end - at < 4) {
                return -1;
            }
            int length = buf.getInt(at);
            at += 4;
            if (length == -1) {
                continue;
            }
            if (length < 0) {
                return functionCall ? BAD_SIZE : -1;
            }
            if (length > end - at) {
                return -1;
            }
            at += length;
        }
        return at;
    }

    /** The negative size {@link #values} stopped at, read again for the error (a rare path). */
    private static int firstBadSize(ByteBuf buf, int at, int count) {
        for (int i = 0; i < count; i++) {
            int length = buf.getInt(at);
            if (length < -1) {
                return length;
            }
            at += 4 + Math.max(length, 0);
        }
        throw new IllegalStateException("no negative size among the arguments");
    }

    /** Describe and Close: the kind byte, the name, and nothing after; then whether the kind is one. */
    private static Verdict target(ByteBuf buf, int at, int end, String message) {
        if (at >= end) {
            return NO_DATA;
        }
        byte kind = buf.getByte(at);
        int nameEnd = cstring(buf, at + 1, end);
        if (nameEnd < 0) {
            return INVALID_STRING;
        }
        if (nameEnd != end) {
            return INVALID_FORMAT;
        }
        if (kind != 'S' && kind != 'P') {
            return new Verdict.ProtocolViolation("invalid " + message + " message subtype " + (kind & 0xff));
        }
        return Verdict.Valid.FRAME;
    }

    /** Where the NUL-terminated string at {@code at} ends (past its NUL), or -1 when it has no NUL. */
    private static int cstring(ByteBuf buf, int at, int end) {
        int nul = buf.indexOf(at, end, (byte) 0);
        return nul < 0 ? -1 : nul + 1;
    }

    /** {@code at + bytes}, or -1 when that passes {@code end} (or {@code at} is -1 already). */
    private static int skip(int at, int bytes, int end) {
        return at < 0 || bytes > end - at ? -1 : at + bytes;
    }

    /** The verdict on a message read up to {@code at}: -1 ran out of data, short of its end left bytes over. */
    private static Verdict endsAt(int at, int end) {
        if (at == -1) {
            return INSUFFICIENT_DATA;
        }
        return at == end ? Verdict.Valid.FRAME : INVALID_FORMAT;
    }
}
