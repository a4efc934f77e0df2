package dev.pgsteer.proxy.sharding.copy;

import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.MessageType;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.frontend.CopyDone;
import dev.pgsteer.protocol.message.frontend.CopyFail;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.util.List;

/**
 * Rows pgsteer holds, written into a sharded table by a {@code COPY ... FROM STDIN} on every shard,
 * each row to its key's shard through a {@link CopySplit}, as if a client had sent them. Ends with
 * the rows the shards took (the sum of their COPY counts), or with the first shard's ErrorResponse
 * ({@link CopyOutRows.ShardFailed}), or with {@link SplitFailed} when the split stopped the COPY
 * itself (a row without a key: the client was told why already).
 *
 * <pre>
 * AWAIT_COPY_IN --every shard in COPY (or done)--> rows and CopyDone fed (CopyFail instead after an error)
 *               --every shard's ReadyForQuery--> done
 * </pre>
 */
public final class CopyInShards implements BackendListener {
    /** The split stopped the COPY and told the client why. */
    public static final class SplitFailed extends IOException {
        SplitFailed() {
            super("the split stopped the COPY", null);
        }
    }

    private final List<ShardLink> links;
    private final CopySplit split;
    private final List<Frame> rows;
    private final ClientReplies replies;
    private final EventLoop loop;
    private final Promise<Long> done;
    private int waiting;
    private int pending;
    private final boolean[] inCopy;
    private long count;
    private ByteBuf error;
    private boolean splitFailed;

    private CopyInShards(List<ShardLink> links, CopySplit split, List<Frame> rows, ClientReplies replies, EventLoop loop) {
        this.links = links;
        this.split = split;
        this.rows = rows;
        this.replies = replies;
        this.loop = loop;
        this.done = loop.newPromise();
        this.waiting = links.size();
        this.pending = links.size();
        this.inCopy = new boolean[links.size()];
    }

    /**
     * Sends {@code copyIn} to every link (the database's shards, in order) and feeds it {@code rows}
     * (released here); the caller attaches the connections back to their owner after.
     */
    public static Future<Long> run(List<ShardLink> links, String copyIn, CopySplit split, List<Frame> rows, ClientReplies replies,
                                   EventLoop loop) {
        CopyInShards copy = new CopyInShards(links, split, rows, replies, loop);
        for (ShardLink link : links) {
            BackendConnection connection = link.connection();
            connection.attach(copy);
            connection.channel().write(new Query(copyIn), connection.channel().voidPromise());
            connection.flush();
        }
        return copy.done;
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        int shard = indexOf(connection);
        switch (frame.type()) {
            case MessageType.BackendBytes.COPY_IN_RESPONSE -> {
                frame.release();
                inCopy[shard] = true;
                settled();
            }
            case MessageType.BackendBytes.ERROR_RESPONSE -> {
                if (error == null && !splitFailed) {
                    error = frame.content();
                } else {
                    frame.release();
                }
                if (!inCopy[shard]) {
                    // The COPY never started there (no such column, say): it is settled too.
                    settled();
                }
            }
            case MessageType.BackendBytes.COMMAND_COMPLETE -> {
                String tag = CommandComplete.decode(frame.body()).tag();
                frame.release();
                count += Long.parseLong(tag.substring(tag.lastIndexOf(' ') + 1));
            }
            case MessageType.BackendBytes.NOTICE_RESPONSE -> replies.channel().write(frame.content(), replies.channel().voidPromise());
            case MessageType.BackendBytes.READY_FOR_QUERY -> {
                links.get(shard).reported(ReadyForQuery.decode(frame.body()).status());
                frame.release();
                if (--pending == 0) {
                    finish();
                }
            }
            default -> frame.release();
        }
    }

    /** One more shard is in COPY or out of it for good; when all are, the rows go (or the COPY is called off). */
    private void settled() {
        if (--waiting > 0) {
            return;
        }
        if (error != null) {
            rows.forEach(Frame::release);
            rows.clear();
            for (int i = 0; i < links.size(); i++) {
                if (inCopy[i]) {
                    BackendConnection connection = links.get(i).connection();
                    connection.write(CopyFail.encode(connection.channel().alloc(), "pgsteer: another shard's COPY failed"));
                    connection.flush();
                }
            }
            return;
        }
        for (int i = 0; i < rows.size(); i++) {
            if (split.take(rows.get(i), replies, null)) {
                splitFailed = true;
                rows.subList(i + 1, rows.size()).forEach(Frame::release);
                rows.clear();
                return;
            }
        }
        rows.clear();
        split.take(new Frame(CopyDone.INSTANCE.encode(links.getFirst().connection().channel().alloc())), replies, null);
    }

    private void finish() {
        if (splitFailed) {
            if (error != null) {
                error.release();
            }
            done.tryFailure(new SplitFailed());
        } else if (error != null) {
            done.tryFailure(new CopyOutRows.ShardFailed(error));
        } else {
            done.trySuccess(count);
        }
    }

    private int indexOf(BackendConnection connection) {
        for (int i = 0; i < links.size(); i++) {
            if (links.get(i).connection() == connection) {
                return i;
            }
        }
        throw new IllegalStateException("not a connection of this COPY: " + connection);
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        replies.channel().flush();
    }

    @Override
    public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
        // The rows are held already: they are written at once, bounded by what was gathered.
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        rows.forEach(Frame::release);
        rows.clear();
        split.discard();
        if (error != null) {
            error.release();
            error = null;
        }
        done.tryFailure(new IOException("a shard's connection was lost while writing rows"));
    }
}
