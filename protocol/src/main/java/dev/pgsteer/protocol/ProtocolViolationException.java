package dev.pgsteer.protocol;

import io.netty.handler.codec.DecoderException;

/**
 * The peer sent bytes that are not the PostgreSQL protocol: a bad length, an unknown startup code, a
 * message too large. PostgreSQL answers these with FATAL 08P01 and closes the connection; so do we.
 */
public final class ProtocolViolationException extends DecoderException {
    private final SqlState sqlState;

    public ProtocolViolationException(String message) {
        this(SqlState.PROTOCOL_VIOLATION, message);
    }

    public ProtocolViolationException(SqlState sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    public SqlState sqlState() {
        return sqlState;
    }
}
