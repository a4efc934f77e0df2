package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.codec.Frame;

/**
 * What carries an authenticated session's messages to backends: {@link ClientRelay} for a database on
 * one backend, {@code ShardedSession} for a sharded one; or answers them itself: {@code AdminConsole}
 * for the virtual database {@code pgsteer}. Called on the client's event loop.
 */
public interface SessionRelay {
    void connect();

    void onClientFrame(Frame frame);

    void onClientReadComplete();

    void onClientWritabilityChanged();

    void onClientClosed();

    void cancel();
}
