package dev.pgsteer.proxy.statement;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * How pgsteer answered a message itself, for a session that holds no connection and has nothing
 * under way (see {@link StatementRelay#answerWithoutConnection}).
 */
public enum LocalAnswer {
    /** Not answered: the message needs a connection, and is untouched. */
    NONE(null),
    /** ParseComplete: the statement is known valid in the session's scope, and now the session's. */
    PARSE_COMPLETE(new byte[] {'1', 0, 0, 0, 4}),
    /** CloseComplete: the session's statement name is gone, or there was nothing to close. */
    CLOSE_COMPLETE(new byte[] {'3', 0, 0, 0, 4});

    private final byte[] message;

    LocalAnswer(byte[] message) {
        this.message = message;
    }

    /** The answer's message, for the client. */
    public ByteBuf message() {
        return Unpooled.wrappedBuffer(message);
    }
}
