package dev.pgsteer.proxy.sharding.copy;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.ShardRequest;

/**
 * A {@code COPY ... FROM STDIN} running on several shards at once, which the relay feeds the client's
 * CopyData, CopyDone and CopyFail: a {@link CopySplit} sends each row to its key's shard (a sharded
 * table), a {@link CopyMirror} sends every message to every shard (a reference table).
 */
public sealed interface CopyFeed permits CopySplit, CopyMirror {

    /**
     * Takes the client's CopyData, CopyDone or CopyFail (and releases it); true when the COPY is over
     * for the client: done, failed by the client, or stopped by pgsteer, which then tells the client
     * why itself and the shards only that the COPY is off ({@code request}'s errors are not relayed).
     */
    boolean take(Frame frame, ClientReplies replies, ShardRequest request);

    /**
     * Lets go of what was gathered and not sent yet: the client left mid-COPY, and its shards'
     * connections are closed, which aborts the COPY on each.
     */
    void discard();
}
