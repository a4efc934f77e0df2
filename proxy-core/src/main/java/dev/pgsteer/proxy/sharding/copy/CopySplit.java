package dev.pgsteer.proxy.sharding.copy;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.ProtocolViolationException;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.message.frontend.CopyData;
import dev.pgsteer.protocol.message.frontend.CopyDone;
import dev.pgsteer.protocol.message.frontend.CopyFail;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.execute.ShardRequest;
import dev.pgsteer.router.ShardRouter;
import dev.pgsteer.router.directory.KeyNotCached;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.RoutingException;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * A {@code COPY ... FROM STDIN} into a sharded table, in progress: every shard runs the same COPY,
 * and each row the client sends goes, as its bytes, to the shard its key says, gathered into
 * CopyData messages of up to {@link #CHUNK} bytes per shard.
 */
public final class CopySplit implements CopyFeed {
    public static final int CHUNK = 64 * 1024;

    private final CopyRowSplitter splitter;
    private final TableConfig.Sharded table;
    private final ShardRouter router;
    /** The links of the database's shards, by position in its shard list. */
    private final List<ShardLink> links;
    private final ByteBuf[] pending;
    private RoutingException failure;

    public CopySplit(CopyRowSplitter splitter, TableConfig.Sharded table, ShardRouter router, List<ShardLink> links) {
        this.splitter = splitter;
        this.table = table;
        this.router = router;
        this.links = links;
        this.pending = new ByteBuf[links.size()];
    }

    @Override
    public boolean take(Frame frame, ClientReplies replies, ShardRequest request) {
        RoutingException failure = null;
        boolean over = false;
        try {
            switch (Frontend.of(frame.type())) {
                case COPY_DATA -> failure = data(CopyData.of(frame).data());
                case COPY_DONE -> {
                    failure = done();
                    over = failure == null;
                }
                case COPY_FAIL -> {
                    String message;
                    try {
                        message = CopyFail.of(frame).message();
                    } catch (ProtocolViolationException e) {
                        // As PostgreSQL's COPY reads a CopyFail whose message has no end: the COPY fails, not the session.
                        message = null;
                        failure = new RoutingException(SqlState.PROTOCOL_VIOLATION.code(), "invalid string in message");
                    }
                    if (message != null) {
                        fail("COPY from stdin failed: " + message);
                        over = true;
                    }
                }
                case QUERY, PARSE, BIND, DESCRIBE, EXECUTE, CLOSE, FLUSH, SYNC, FUNCTION_CALL, TERMINATE, PASSWORD, UNKNOWN ->
                        throw new IllegalArgumentException("not a COPY message: " + frame);
            }
        } finally {
            frame.release();
        }
        if (failure == null) {
            return over;
        }
        replies.write(ProxyErrors.error(failure.sqlState(), failure.getMessage(), null));
        replies.channel().flush();
        if (request != null) {
            request.suppressErrors();
        }
        fail("pgsteer: " + failure.getMessage());
        return true;
    }

    /** Takes a CopyData body; returns the error that stops the COPY, if a row has no shard. */
    private RoutingException data(ByteBuf body) {
        byte[] bytes = new byte[body.readableBytes()];
        body.getBytes(body.readerIndex(), bytes);
        splitter.feed(bytes, this::row, this::toEveryShard);
        return failure;
    }

    /** CopyDone: the last row, then every shard's rest and its CopyDone. */
    private RoutingException done() {
        splitter.finish(this::row, this::toEveryShard);
        if (failure != null) {
            return failure;
        }
        for (int i = 0; i < links.size(); i++) {
            flush(i);
            ShardLink link = links.get(i);
            link.connection().write(CopyDone.INSTANCE.encode(link.connection().channel().alloc()));
            link.connection().flush();
        }
        return null;
    }

    /** Abandons the COPY on every shard with CopyFail, so that each rolls it back. */
    private void fail(String message) {
        discard();
        for (int i = 0; i < links.size(); i++) {
            ShardLink link = links.get(i);
            link.connection().write(CopyFail.encode(link.connection().channel().alloc(), message));
            link.connection().flush();
        }
    }

    /** Lets go of the rows gathered and not sent yet (see {@link CopyFeed#discard}). */
    @Override
    public void discard() {
        for (int i = 0; i < pending.length; i++) {
            if (pending[i] != null) {
                pending[i].release();
                pending[i] = null;
            }
        }
    }

    private void row(byte[] bytes, int offset, int length, String key) {
        if (failure != null) {
            return;
        }
        if (key == null) {
            failure = new RoutingException(SqlState.NOT_NULL_VIOLATION.code(), "a row copied into sharded table " + table.name() + " has no shard key "
                    + table.key() + " (NULL); every row of a sharded table needs one");
            return;
        }
        int shard;
        try {
            shard = router.shardIndex(table, KeySource.text(key));
        } catch (RoutingException e) {
            failure = e;
            return;
        } catch (KeyNotCached miss) {
            // Rows are split on the event loop as they come: none can wait for the metadata store.
            failure = new RoutingException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE.code(), "COPY into " + table.name()
                    + " cannot place key '" + miss.key() + "': directory group " + miss.cache().group() + " has more keys than "
                    + "this pgsteer caches (" + miss.cache().capacity() + "), and COPY cannot wait for the metadata store "
                    + "between rows; INSERT these rows instead (an INSERT waits for the key's lookup)");
            return;
        }
        append(shard, bytes, offset, length);
    }

    /** The header line of a CSV with HEADER: every shard skips its first line, so every shard gets it. */
    private void toEveryShard(byte[] bytes, int offset, int length, String ignored) {
        for (int i = 0; i < links.size(); i++) {
            append(i, bytes, offset, length);
        }
    }

    private void append(int shard, byte[] bytes, int offset, int length) {
        if (pending[shard] == null) {
            pending[shard] = links.get(shard).connection().channel().alloc().buffer(Math.max(CHUNK, length) + 5);
            // The length is patched when the chunk is sent (flush).
            CopyData.writeHeader(pending[shard], 0);
        }
        pending[shard].writeBytes(bytes, offset, length);
        if (pending[shard].readableBytes() >= CHUNK) {
            flush(shard);
        }
    }

    private void flush(int shard) {
        ByteBuf data = pending[shard];
        if (data == null) {
            return;
        }
        pending[shard] = null;
        data.setInt(1, data.readableBytes() - 1);
        links.get(shard).connection().write(data);
        links.get(shard).connection().flush();
    }
}
