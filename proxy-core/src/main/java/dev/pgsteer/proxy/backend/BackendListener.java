package dev.pgsteer.proxy.backend;

import dev.pgsteer.protocol.codec.Frame;
import io.netty.util.concurrent.EventExecutor;

/**
 * Whoever holds a leased connection: receives the backend's frames on its own event loop. When the
 * connection lives on another loop the frames hop once; the pool avoids that where it can.
 */
public interface BackendListener {
    EventExecutor executor();

    /** Ownership of the frame passes to the listener. */
    void onBackendFrame(BackendConnection connection, Frame frame);

    void onBackendReadComplete(BackendConnection connection);

    void onBackendWritabilityChanged(BackendConnection connection, boolean writable);

    void onBackendClosed(BackendConnection connection);
}
