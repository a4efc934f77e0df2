package dev.pgsteer.protocol.message;

import io.netty.buffer.ByteBuf;

/**
 * Messages a server sends that pgsteer itself originates toward clients or must read from backends.
 * Everything else a backend sends (rows, descriptions, COPY data) is relayed as raw frames and never
 * becomes one of these.
 */
public sealed interface BackendMessage permits AuthenticationRequest, ParameterStatus, BackendKeyData,
        ReadyForQuery, ErrorResponse, NegotiateProtocolVersion, CommandComplete {

    /** Writes the whole message, type byte and length included. */
    void encode(ByteBuf out);
}
