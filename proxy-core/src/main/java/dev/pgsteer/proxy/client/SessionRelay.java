package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.FrameChunk;
import dev.pgsteer.protocol.wire.FrameHead;

/**
 * What carries an authenticated session's messages to backends: {@code PooledRelay} for a database on
 * one backend, {@code ShardedRelay} for a sharded one; or answers them itself: {@code AdminConsole}
 * for the virtual database {@code pgsteer}. Called on the client's event loop.
 */
public interface SessionRelay {
    void connect();

    void onClientFrame(Frame frame);

    /**
     * Bytes of the large message whose {@link FrameHead} came last: only
     * for a relay whose client decoder was told to stream (see {@code ClientHandler}).
     */
    default void onClientChunk(FrameChunk chunk) {
        chunk.release();
        throw new IllegalStateException(getClass().getSimpleName() + " does not take streamed messages");
    }

    void onClientReadComplete();

    void onClientWritabilityChanged();

    void onClientClosed();

    void cancel();
}
