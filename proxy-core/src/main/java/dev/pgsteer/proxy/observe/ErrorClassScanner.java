package dev.pgsteer.proxy.observe;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.MessageType.Backend;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Follows the message boundaries of the byte stream pgsteer writes to one client and reports the
 * SQLSTATE class (its first two characters) of every ErrorResponse in it. The relays write whole
 * frames, merged rows, encoded messages, in any grouping: a buffer may hold several messages or a
 * part of one, so the scanner keeps its place across buffers, header bytes included, and never
 * looks inside a message other than {@code 'E' | int32 len | (byte code, cstring value)* | 0}.
 *
 * <p>Cost per message: one byte and one int read, then a skip to the next header. Only an error's
 * body (small, and rare) is copied, to find its {@code 'C'} field.
 *
 * <p>The one exception to the message framing is the single byte that answers an SSLRequest or a
 * GSSENCRequest before the startup packet ({@code 'N'}, or {@code 'S'} for TLS). Until
 * the first typed message, an {@code 'N'} or {@code 'S'} is such an answer: pgsteer's first typed
 * message to a client is always an authentication request, an error or NegotiateProtocolVersion,
 * never a NoticeResponse.
 */
public final class ErrorClassScanner {
    /** An error longer than this is counted under {@link #UNKNOWN_CLASS} rather than copied. */
    static final int MAX_ERROR_BODY = 64 * 1024;
    public static final String UNKNOWN_CLASS = "unknown";
    private static final byte ERROR = Backend.ERROR_RESPONSE.code();
    /** What a server answers an SSLRequest or GSSENCRequest with: single bytes, not typed messages. */
    private static final byte REFUSED = 'N';
    private static final byte ACCEPTED = 'S';

    private final Consumer<String> errorClass;
    private boolean greeted;
    /** Header bytes seen of the message being read (0 at a boundary, up to 5). */
    private int headerFill;
    private byte type;
    private int length;
    /** Body bytes of the current message still to come. */
    private long remaining;
    private byte[] error;
    private int errorFill;
    private boolean lost;

    public ErrorClassScanner(Consumer<String> errorClass) {
        this.errorClass = errorClass;
    }

    /** Reads {@code buf}'s readable bytes without moving its indexes. */
    public void scan(ByteBuf buf) {
        if (lost) {
            return;
        }
        int index = buf.readerIndex();
        int end = buf.writerIndex();
        while (index < end) {
            if (remaining > 0) {
                int n = (int) Math.min(remaining, end - index);
                if (error != null) {
                    buf.getBytes(index, error, errorFill, n);
                    errorFill += n;
                }
                index += n;
                remaining -= n;
                if (remaining == 0) {
                    endOfMessage();
                }
                continue;
            }
            byte b = buf.getByte(index);
            if (headerFill == 0) {
                if (!greeted && (b == REFUSED || b == ACCEPTED)) {
                    index++;
                    continue;
                }
                greeted = true;
                type = b;
                if (end - index >= 5) {
                    length = buf.getInt(index + 1);
                    index += 5;
                    startBody();
                    if (lost) {
                        return;
                    }
                    continue;
                }
                length = 0;
                headerFill = 1;
                index++;
                continue;
            }
            length = (length << 8) | (b & 0xff);
            index++;
            if (++headerFill == 5) {
                headerFill = 0;
                startBody();
                if (lost) {
                    return;
                }
            }
        }
    }

    private void startBody() {
        if (length < 4) {
            // Not a message boundary after all: stop rather than count garbage.
            lost = true;
            return;
        }
        remaining = length - 4L;
        if (type == ERROR) {
            error = remaining <= MAX_ERROR_BODY ? new byte[(int) remaining] : null;
            errorFill = 0;
            if (error == null) {
                errorClass.accept(UNKNOWN_CLASS);
            }
        }
        if (remaining == 0) {
            endOfMessage();
        }
    }

    private void endOfMessage() {
        if (type == ERROR && error != null) {
            errorClass.accept(sqlStateClass(error));
        }
        error = null;
    }

    /** The first two characters of the {@code 'C'} field, or {@link #UNKNOWN_CLASS}. */
    static String sqlStateClass(byte[] body) {
        int i = 0;
        while (i < body.length && body[i] != 0) {
            byte code = body[i++];
            int start = i;
            while (i < body.length && body[i] != 0) {
                i++;
            }
            if (code == ErrorResponse.CODE && i - start >= 2 && isStateChar(body[start]) && isStateChar(body[start + 1])) {
                return new String(body, start, 2, StandardCharsets.US_ASCII);
            }
            i++;
        }
        return UNKNOWN_CLASS;
    }

    private static boolean isStateChar(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z');
    }
}
