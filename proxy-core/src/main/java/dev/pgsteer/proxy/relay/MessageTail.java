package dev.pgsteer.proxy.relay;

import dev.pgsteer.protocol.wire.FrameChunk;
import io.netty.channel.Channel;
import java.util.ArrayDeque;

/**
 * The rest of the one large client message being streamed (a Bind carrying a big value, a
 * CopyData): its head goes through the relay as a frame, in order with the others, and its chunks
 * must follow the head to the connection the head was written to, with nothing in between.
 *
 * <p>Until the head is written (the session waits for a connection, or for frames queued before
 * it), the chunks wait here and the relay stops reading the client: what waits is what the read
 * under way still brought, never the message. Once the head is written, each chunk goes on as it is
 * read. Chunks of a head that was dropped (the batch failed without a connection) are dropped too.
 */
final class MessageTail {
    private enum State {
        /** No streamed message is under way. */
        NONE,
        /** Its head has not been written yet: chunks wait. */
        WAITING,
        /** Its head was written to {@link #connection}'s channel: chunks follow it there. */
        PASSING,
        /** Its head was dropped: so are its chunks, up to the last. */
        DROPPING
    }

    private State state = State.NONE;
    /** Sized for the usual one or two chunks; it grows if needed (an idle session holds 24 bytes, not 88). */
    private final ArrayDeque<FrameChunk> waiting = new ArrayDeque<>(1);
    /** The last chunk is among those waiting: the message ends when they are written. */
    private boolean complete;
    private Channel connection;

    /** A head arrived: its chunks wait until {@link #headWritten} or {@link #headDropped}. */
    void headArrived() {
        if (state != State.NONE) {
            throw new IllegalStateException("a streamed message began inside another one");
        }
        state = State.WAITING;
        complete = false;
    }

    /** The head was written to {@code to} (a backend connection's channel): the chunks that waited follow it, and so will the rest. */
    void headWritten(Channel to) {
        if (state != State.WAITING) {
            return;
        }
        FrameChunk chunk;
        while ((chunk = waiting.poll()) != null) {
            to.write(chunk.content(), to.voidPromise());
        }
        state = complete ? State.NONE : State.PASSING;
        connection = complete ? null : to;
    }

    /** The head will never be written: its chunks are dropped, those waiting and those to come. */
    void headDropped() {
        if (state != State.WAITING) {
            return;
        }
        releaseWaiting();
        state = complete ? State.NONE : State.DROPPING;
    }

    /** Ownership of {@code chunk} passes here. */
    void onChunk(FrameChunk chunk) {
        boolean last = chunk.last();
        switch (state) {
            case WAITING -> {
                waiting.add(chunk);
                complete = last;
                return;
            }
            case PASSING -> connection.write(chunk.content(), connection.voidPromise());
            case DROPPING -> chunk.release();
            case NONE -> {
                chunk.release();
                throw new IllegalStateException("a chunk without a streamed message");
            }
        }
        if (last) {
            state = State.NONE;
            connection = null;
        }
    }

    /** Reading the client must stop: chunks have nowhere to go yet. */
    boolean waiting() {
        return state == State.WAITING && !complete;
    }

    /**
     * A message is being written to a connection and is not finished: the connection must not go
     * back to its pool, whatever answers arrive meanwhile.
     */
    boolean passing() {
        return state == State.PASSING;
    }

    /** The session ended: whatever waits is freed; chunks still in the decoder are dropped by the closed session. */
    void close() {
        releaseWaiting();
        state = State.NONE;
        connection = null;
    }

    private void releaseWaiting() {
        FrameChunk chunk;
        while ((chunk = waiting.poll()) != null) {
            chunk.release();
        }
    }
}
