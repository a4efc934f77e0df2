package dev.pgsteer.proxy.sharding.coordinator;

import io.netty.buffer.ByteBuf;
import java.io.IOException;

/** A pull's first ErrorResponse (a shard's, the coordinator's, or pgsteer's limit), whole, for the client. */
public final class PullFailed extends IOException {
    private final transient ByteBuf error;

    PullFailed(ByteBuf error) {
        super("pulling rows to the coordinator failed", null);
        this.error = error;
    }

    public ByteBuf error() {
        return error;
    }
}
