package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.execute.ShardRequest;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;

/**
 * The listener of a coordinator connection apart from the session's own (inside a transaction
 * block): the session's relay knows only its own links and would drop these frames, so they go
 * straight to the request in flight, as the relay does for its own. A setting the statement reports
 * changed is not the session's (the coordinator's transaction is rolled back), so none is adopted.
 */
public final class ApartFrames implements BackendListener {
    private final ShardLink link;
    private final FanOut fanOut;
    private final Channel client;
    private final EventExecutor loop;

    public ApartFrames(ShardLink link, FanOut fanOut, Channel client, EventExecutor loop) {
        this.link = link;
        this.fanOut = fanOut;
        this.client = client;
        this.loop = loop;
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        ShardRequest current = fanOut.current();
        if (current != null && current.involves(link)) {
            current.onFrame(link, frame);
        } else {
            frame.release();
        }
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        client.flush();
    }

    @Override
    public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
        // The statement's text is all the coordinator is sent: nothing to hold back.
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        ShardRequest current = fanOut.current();
        if (current != null && current.involves(link)) {
            current.onLinkLost(link);
            client.flush();
        }
    }
}
