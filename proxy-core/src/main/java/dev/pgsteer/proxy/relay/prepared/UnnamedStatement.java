package dev.pgsteer.proxy.relay.prepared;

import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A session's unnamed prepared statement. PostgreSQL keeps it until the session's next unnamed
 * Parse or simple Query, across transactions; under transaction pooling the session's next
 * transaction may run on another connection, where it must be parsed again before its Bind or
 * Describe (libpq's {@code PQprepare(conn, "", ...)} then {@code PQdescribePrepared}, psql's
 * {@code \gdesc}).
 *
 * <p>The client's Parse is kept as a reference to its frame while the lease lasts, and copied out
 * (a few hundred bytes at most, once per lease that parsed one) when the lease ends.
 *
 * <pre>
 *   NONE ──Parse──► ON_CONNECTION ──lease ends──► KEPT ──Bind/Describe on a new lease──► (Parse sent again) ON_CONNECTION
 *   any ──simple Query, Close of "", failed Parse──► NONE
 * </pre>
 * pgsteer's own unnamed Parse (the error of a Bind the tenant guard refused) shadows the session's
 * for the one Bind that follows it; the session's is sent again before the next.
 */
final class UnnamedStatement {
    /**
     * The client's Parse of this lease, retained (one more reference to the frame's own buffer, no
     * new object) until the lease ends; null if none. Its bytes are at {@link #parsedFrom}, for
     * {@link #parsedLength}: writing it moves the buffer's reader index, not its bytes.
     */
    private ByteBuf parsedOnLease;
    private int parsedFrom;
    private int parsedLength;
    /** A copy of the Parse to send again on a later lease; null if the session's statement need not be. */
    private byte[] kept;
    /** The connection the session holds has the session's unnamed statement. */
    private boolean onConnection;
    /** pgsteer's own unnamed statement is on the connection for the Bind that follows it (a refused one). */
    private boolean ownPending;

    /** The client's unnamed Parse goes to the connection now (the frame is written after this). */
    void parsed(Frame parse) {
        release();
        kept = null;
        ByteBuf content = parse.content();
        parsedFrom = content.readerIndex();
        parsedLength = content.readableBytes();
        parsedOnLease = content.retain();
        onConnection = true;
    }

    /**
     * A Bind or Describe of the unnamed statement: the Parse to send first when the connection does
     * not have the session's statement, or null.
     */
    ByteBuf toSendAgain(ByteBufAllocator alloc) {
        if (ownPending) {
            // This Bind is the one pgsteer's own statement was parsed for: it binds that, and the
            // session's statement is to be parsed again before the next.
            ownPending = false;
            onConnection = false;
            return null;
        }
        if (onConnection) {
            return null;
        }
        if (kept != null) {
            onConnection = true;
            ByteBuf parse = alloc.buffer(kept.length);
            parse.writeBytes(kept);
            return parse;
        }
        if (parsedOnLease != null) {
            onConnection = true;
            return parsedOnLease.copy(parsedFrom, parsedLength);
        }
        return null;
    }

    /** Whether the session has an unnamed statement, as PostgreSQL would see it. */
    boolean exists() {
        return ownPending || onConnection || kept != null || parsedOnLease != null;
    }

    /** pgsteer's own unnamed Parse replaces the session's on the connection, for the one Bind that follows it. */
    void shadowedByOwn() {
        ownPending = true;
    }

    /** The connection goes back: the session may still ask for its statement, so it is copied out of the client's frame. */
    void leaseEnded() {
        if (parsedOnLease != null) {
            kept = new byte[parsedLength];
            parsedOnLease.getBytes(parsedFrom, kept);
        }
        release();
        onConnection = false;
        ownPending = false;
    }

    /** PostgreSQL destroyed the unnamed statement (a simple Query, a Close, a failed Parse). */
    void forget() {
        release();
        kept = null;
        onConnection = false;
        ownPending = false;
    }

    private void release() {
        if (parsedOnLease != null) {
            parsedOnLease.release();
            parsedOnLease = null;
        }
    }
}
