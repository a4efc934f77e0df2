package dev.pgsteer.proxy.tls;

/**
 * A certificate, key or CA file that cannot be used (missing, not PEM, a key that does not match):
 * a start-up error for the operator, with the file and why, not a bug.
 */
public final class TlsFilesException extends IllegalArgumentException {
    TlsFilesException(String message, Throwable cause) {
        super(message, cause);
    }
}
