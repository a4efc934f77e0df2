package dev.pgsteer.proxy.relay.prepared;

import dev.pgsteer.protocol.message.CommandComplete;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * How pgsteer answered a message itself, for a session that holds no connection and has nothing
 * under way (see {@link StatementRelay#answerWithoutConnection}).
 */
public enum LocalAnswer {
    /** Not answered: the message needs a connection, and is untouched. */
    NONE(null, false),
    /** ParseComplete: the statement is known valid in the session's scope, and now the session's. */
    PARSE_COMPLETE(new byte[] {'1', 0, 0, 0, 4}, false),
    /** CloseComplete: the session's statement name is gone, or there was nothing to close. */
    CLOSE_COMPLETE(new byte[] {'3', 0, 0, 0, 4}, false),
    /** CommandComplete {@code DEALLOCATE}; a ReadyForQuery follows, as the Query was all done. */
    DEALLOCATE(tag("DEALLOCATE"), true);

    private final byte[] message;
    private final boolean completesQuery;

    LocalAnswer(byte[] message, boolean completesQuery) {
        this.message = message;
        this.completesQuery = completesQuery;
    }

    /** The answer's message, for the client. */
    public ByteBuf message() {
        return Unpooled.wrappedBuffer(message);
    }

    /** Whether it answered a Query, which PostgreSQL ends with ReadyForQuery. */
    public boolean completesQuery() {
        return completesQuery;
    }

    private static byte[] tag(String tag) {
        ByteBuf out = Unpooled.buffer();
        new CommandComplete(tag).encode(out);
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }
}
