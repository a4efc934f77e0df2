package dev.pgsteer.proxy.sharding.copy;

import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.execute.ShardRequest;
import java.util.List;

/**
 * A {@code COPY ... FROM STDIN} into a reference table, in progress: every shard runs the same COPY
 * and holds a full copy of the table, so every message the client sends goes whole to every shard.
 * Nothing is cut into rows, so any format works, binary too. A CopyFail goes on unread, so that
 * each shard fails the COPY as PostgreSQL does, with its own words (a malformed one included).
 */
public final class CopyMirror implements CopyFeed {
    private final List<ShardLink> links;

    public CopyMirror(List<ShardLink> links) {
        this.links = List.copyOf(links);
    }

    @Override
    public boolean take(Frame frame, ClientReplies replies, ShardRequest request) {
        Frontend type = Frontend.of(frame.type());
        try {
            switch (type) {
                case COPY_DATA, COPY_DONE, COPY_FAIL -> {
                    for (ShardLink link : links) {
                        // Each shard's channel reads the bytes on its own: one duplicate each, one reference each.
                        link.connection().write(frame.content().retainedDuplicate());
                        link.connection().flush();
                    }
                }
                case QUERY, PARSE, BIND, DESCRIBE, EXECUTE, CLOSE, FLUSH, SYNC, FUNCTION_CALL, TERMINATE, PASSWORD, UNKNOWN ->
                        throw new IllegalArgumentException("not a COPY message: " + frame);
            }
        } finally {
            frame.release();
        }
        return type != Frontend.COPY_DATA;
    }

    /** Nothing is held between messages. */
    @Override
    public void discard() {
    }
}
