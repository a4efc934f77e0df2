package dev.pgsteer.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads the comma-separated {@code attr=value} lists of RFC 5802 section 7, one attribute at a
 * time and in the order the grammar fixes. Every problem is an {@link AuthenticationFailedException}
 * whose message names the message being read, in the spirit of PostgreSQL's read_attr_value, so a
 * hostile or broken peer can never cause another exception type.
 *
 * <p>Messages are decoded as ISO-8859-1, one char per byte, so that slicing a message and encoding
 * it back gives the exact bytes the peer sent: the AuthMessage that both sides sign is built from
 * those bytes, and a UTF-8 round trip would alter invalid sequences in, say, a username.
 */
final class ScramMessageReader {

    private final String message;
    private final String what;
    private int pos;

    private ScramMessageReader(String message, String what) {
        this.message = message;
        this.what = what;
    }

    /** @param what the message's name for errors, e.g. "client-first-message" */
    static ScramMessageReader of(byte[] bytes, String what) {
        if (bytes == null || bytes.length == 0) {
            throw new AuthenticationFailedException("malformed SCRAM message (empty " + what + ")");
        }
        String message = new String(bytes, StandardCharsets.ISO_8859_1);
        // PostgreSQL reads these payloads as C strings, so it refuses an embedded NUL; so do we.
        if (message.indexOf('\0') >= 0) {
            throw new AuthenticationFailedException("malformed SCRAM message (null character in " + what + ")");
        }
        return new ScramMessageReader(message, what);
    }

    static byte[] bytes(String message) {
        return message.getBytes(StandardCharsets.ISO_8859_1);
    }

    String message() {
        return message;
    }

    int position() {
        return pos;
    }

    boolean atEnd() {
        return pos >= message.length();
    }

    /** The next character without consuming it, or 0 at the end. */
    char peek() {
        return atEnd() ? 0 : message.charAt(pos);
    }

    /** Consumes one character, which must be {@code c}. */
    void expect(char c, String description) {
        if (peek() != c) {
            throw malformed(description);
        }
        pos++;
    }

    /** Reads {@code attr=value} and the comma after it if any; returns the value. */
    String read(char attr) {
        if (peek() != attr) {
            throw malformed("expected attribute \"" + attr + "\"");
        }
        return readValue();
    }

    /**
     * Reads an attribute of any name (extensions the grammar lets through), returning its name.
     * The value is skipped.
     */
    char readAny() {
        char attr = peek();
        if (!(attr >= 'a' && attr <= 'z' || attr >= 'A' && attr <= 'Z')) {
            throw malformed("attribute expected");
        }
        readValue();
        return attr;
    }

    /** Reads {@code attr=value} whose value is base64, e.g. a salt or a proof. */
    byte[] readBase64(char attr) {
        String value = read(attr);
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw malformed("invalid base64 in attribute \"" + attr + "\"");
        }
    }

    /** Checks that nothing is left. */
    void end() {
        if (!atEnd()) {
            throw malformed("garbage at end of " + what);
        }
    }

    AuthenticationFailedException malformed(String detail) {
        return new AuthenticationFailedException("malformed SCRAM message (" + detail + " in " + what + ")");
    }

    private String readValue() {
        pos++; // the attribute letter, already checked
        expect('=', "expected \"=\" after attribute");
        int comma = message.indexOf(',', pos);
        int endOfValue = comma < 0 ? message.length() : comma;
        String value = message.substring(pos, endOfValue);
        pos = endOfValue;
        if (comma >= 0) {
            pos++;
            if (atEnd()) {
                throw malformed("trailing comma");
            }
        }
        return value;
    }

    /** RFC 5802 "printable": %x21-2B / %x2D-7E, i.e. visible ASCII except the comma. */
    static boolean isPrintable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7E || c == ',') {
                return false;
            }
        }
        return true;
    }
}
