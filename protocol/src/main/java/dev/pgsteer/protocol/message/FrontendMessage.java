package dev.pgsteer.protocol.message;

import io.netty.buffer.ByteBuf;

/**
 * Messages a client sends that pgsteer reads (to authenticate, to see what a session does) or
 * originates toward backends (to log in, to reset a connection). Everything else a client sends
 * is relayed as raw frames.
 */
public sealed interface FrontendMessage permits Query, PasswordMessage, Sync, Terminate {

    /** Writes the whole message, type byte and length included. */
    void encode(ByteBuf out);
}
