package dev.pgsteer.proxy.sharding.relay;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's frames waiting for their unit's turn. A unit is a Query, a FunctionCall, or the
 * extended-protocol messages up to a Sync or Flush.
 */
final class Inbox {
    private final ArrayDeque<Frame> frames = new ArrayDeque<>();

    void add(Frame frame) {
        frames.add(frame);
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    Frame peek() {
        return frames.peek();
    }

    Frame poll() {
        return frames.poll();
    }

    /**
     * The frames up to and including the next Sync or Flush, or up to a Query or FunctionCall that
     * comes first (which is not part of it); null if neither has come yet.
     */
    List<Frame> takeExtendedUnit() {
        int size = 0;
        boolean complete = false;
        for (Frame f : frames) {
            Frontend type = Frontend.of(f.type());
            if (type == Frontend.QUERY || type == Frontend.FUNCTION_CALL) {
                complete = true;
                break;
            }
            size++;
            if (type == Frontend.SYNC || type == Frontend.FLUSH) {
                complete = true;
                break;
            }
        }
        if (!complete) {
            return null;
        }
        List<Frame> unit = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            unit.add(frames.poll());
        }
        return unit;
    }

    /** The session ended: what was waiting is let go. */
    void releaseAll() {
        Frame frame;
        while ((frame = frames.poll()) != null) {
            frame.release();
        }
    }
}
