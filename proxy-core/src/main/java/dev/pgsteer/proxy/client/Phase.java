package dev.pgsteer.proxy.client;

/**
 * Where a client session stands.
 *
 * <pre>
 * STARTUP ──StartupMessage──► AUTHENTICATING ──password ok──► CONNECTING ──first backend ready──► READY
 *                                                                                              │   ▲
 *                                                      pgsteer's own error mid-batch ──► FAILED_UNTIL_SYNC
 * any ──Terminate, FATAL, socket closed──► CLOSED
 * </pre>
 */
public enum Phase {
    /** Reading the startup packet; SSL and GSS requests are refused with 'N' here. */
    STARTUP,
    /** The password exchange is under way. */
    AUTHENTICATING,
    /** Authenticated; waiting for a first backend connection to confirm the database and learn its parameters. */
    CONNECTING,
    /** Relaying. */
    READY,
    /** pgsteer failed an extended-protocol batch itself; the client's messages are dropped until its Sync. */
    FAILED_UNTIL_SYNC,
    CLOSED
}
