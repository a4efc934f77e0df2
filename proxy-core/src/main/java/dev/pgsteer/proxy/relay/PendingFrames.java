package dev.pgsteer.proxy.relay;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameHead;
import java.util.ArrayDeque;

/**
 * The client's frames that wait, in order: for a connection, or for pgsteer's own statement on the
 * connection held to end. A large message's head among them keeps the rest of it waiting too (see
 * {@link MessageTail}).
 */
final class PendingFrames {
    /** Starts small and grows while frames wait (an idle session holds 24 bytes, not 88). */
    private final ArrayDeque<Frame> frames = new ArrayDeque<>(1);
    private final MessageTail tail;

    PendingFrames(MessageTail tail) {
        this.tail = tail;
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    void add(Frame frame) {
        frames.add(frame);
    }

    /** The oldest frame, taken out; null when none waits. */
    Frame poll() {
        return frames.poll();
    }

    /**
     * None of the frames will run (no connection could be had): they are released, the rest of a
     * large message among them dropped as it comes. Returns how many of them the client waits a
     * ReadyForQuery for (Queries, Syncs, function calls).
     */
    int dropAll() {
        int requests = 0;
        Frame frame;
        while ((frame = frames.poll()) != null) {
            if (StatementClock.endsRequest(frame.type())) {
                requests++;
            }
            if (frame instanceof FrameHead) {
                tail.headDropped();
            }
            frame.release();
        }
        return requests;
    }

    /** The session ended. */
    void releaseAll() {
        Frame frame;
        while ((frame = frames.poll()) != null) {
            frame.release();
        }
    }
}
