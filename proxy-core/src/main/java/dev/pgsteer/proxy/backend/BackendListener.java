package dev.pgsteer.proxy.backend;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.protocol.wire.FrameHead;
import io.netty.util.concurrent.EventExecutor;

/**
 * Whoever holds a leased connection: receives the backend's frames on its own event loop. When the
 * connection lives on another loop the frames hop once; the pool avoids that where it can.
 */
public interface BackendListener {
    EventExecutor executor();

    /** Ownership of the frame passes to the listener. */
    void onBackendFrame(BackendConnection connection, Frame frame);

    /**
     * Whether this listener takes large DataRows and CopyData in pieces: a {@link FrameHead}
     * through {@link #onBackendFrame}, then its rest through {@link #onBackendChunk}. Only one that relays
     * them as bytes can; one that reads rows (merging shards) gets them whole.
     */
    default boolean streamsLargeMessages() {
        return false;
    }

    /** Bytes of the streamed message whose head came last; ownership passes to the listener. */
    default void onBackendChunk(BackendConnection connection, FrameChunk chunk) {
        chunk.release();
        throw new IllegalStateException(getClass().getSimpleName() + " does not take streamed messages");
    }

    void onBackendReadComplete(BackendConnection connection);

    void onBackendWritabilityChanged(BackendConnection connection, boolean writable);

    void onBackendClosed(BackendConnection connection);
}
