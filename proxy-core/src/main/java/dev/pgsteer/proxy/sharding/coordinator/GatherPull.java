package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.MessageType;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One table's rows of several shards pulled into the coordinator at once, into one {@code COPY
 * pg_temp.t FROM STDIN (FORMAT binary)}: every shard runs its {@code COPY (...) TO STDOUT (FORMAT
 * binary)} at the same time, and their rows go to the coordinator as they come, interleaved row by
 * row. So the shards read their rows in parallel (one after the other, a pull takes the sum of the
 * shards' times; together, the slowest one's).
 *
 * <p>A binary COPY stream is one header, tuples, one trailer; PostgreSQL's COPY TO sends one CopyData
 * per tuple, the header inside the first (with the trailer when there is no tuple), the trailer (int16
 * -1) in a CopyData of its own. The coordinator gets pgsteer's header first, then each shard's tuples
 * (its header cut from its first CopyData, its trailer dropped: a tuple has at least one field, so a
 * CopyData of exactly int16 -1 is a trailer), then pgsteer's trailer and CopyDone once every shard is
 * done. A shard whose conditions hold the client's parameters sends DataRows of an extended query
 * instead ({@link PullStatements#withParameters}), each a tuple as it is ({@link RowsAsCopy}).
 *
 * <p>Rows are counted one by one against the statement's {@link PullBudget}: the row past the limit
 * stops the pull (the coordinator's COPY gets CopyFail, every shard still sending a CancelRequest, the
 * client 54000). The first error of any side ends the COPY with CopyFail; the client gets that error.
 * A shard that was sent a cancel which may still be on its way once its COPY ended another way is
 * closed, never given back (the cancel could hit its next statement). Back-pressure: no shard is read
 * while the coordinator's socket is full.
 *
 * <pre>
 * AWAIT_COPY_IN --CopyInResponse: header, every shard starts--> STREAMING
 * STREAMING --every shard's ReadyForQuery: trailer, CopyDone--> ENDING --coordinator ReadyForQuery--> done
 *     \--an error or the limit: CopyFail, cancels--> (the same end, failed)
 * </pre>
 */
public final class GatherPull implements BackendListener {
    /** The binary COPY header's length: signature, flags, header extension length. */
    private static final int COPY_HEADER = 19;

    private final class Source {
        final ShardLink link;
        final BackendConnection connection;
        boolean headerCut;
        boolean ready;
        boolean cancelSent;
        boolean cancelSpent;

        Source(ShardLink link) {
            this.link = link;
            this.connection = link.connection();
        }
    }

    private final List<Source> sources = new ArrayList<>();
    private final BackendConnection coordinator;
    private final String table;
    private final PullStatements statements;
    private final EventLoop loop;
    private final PullBudget budget;
    private final Promise<Void> done;
    private long rows;
    private long bytes;
    private boolean started;
    private boolean ended;
    private boolean coordinatorReady;
    /** The first error of either side; after it, nothing more goes to the coordinator but the COPY's end. */
    private ByteBuf error;

    private GatherPull(List<ShardLink> from, BackendConnection coordinator, String table, PullStatements statements, EventLoop loop,
                       PullBudget budget) {
        from.forEach(link -> sources.add(new Source(link)));
        this.coordinator = coordinator;
        this.table = table;
        this.statements = statements;
        this.loop = loop;
        this.budget = budget;
        this.done = loop.newPromise();
    }

    /**
     * Pulls the rows of {@code table} (schema-qualified, for messages) from every one of {@code from}
     * (never the coordinator's own connection) into the coordinator's temporary table, by {@code
     * statements}, within {@code budget}; the caller re-attaches the connections after.
     */
    public static Future<Void> run(List<ShardLink> from, String table, PullStatements statements, BackendConnection coordinator,
                                   EventLoop loop, PullBudget budget) {
        GatherPull pull = new GatherPull(from, coordinator, table, statements, loop, budget);
        pull.sources.forEach(source -> source.connection.attach(pull));
        coordinator.attach(pull);
        coordinator.channel().write(new Query(statements.copyIn()), coordinator.channel().voidPromise());
        coordinator.flush();
        return pull.done;
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        if (connection == coordinator) {
            fromCoordinator(frame);
            return;
        }
        for (Source source : sources) {
            if (source.connection == connection) {
                fromSource(source, frame);
                return;
            }
        }
        frame.release();
    }

    private void fromSource(Source source, Frame frame) {
        switch (frame.type()) {
            case MessageType.BackendBytes.COPY_DATA -> copyData(source, frame);
            case MessageType.BackendBytes.DATA_ROW -> {
                if (admit(source)) {
                    bytes += frame.length() - Frame.HEADER_LENGTH;
                    write(RowsAsCopy.copyData(frame, coordinator.channel().alloc()));
                } else {
                    frame.release();
                }
            }
            case MessageType.BackendBytes.ERROR_RESPONSE -> {
                if (source.cancelSent && !source.cancelSpent) {
                    source.cancelSpent = SqlState.QUERY_CANCELED.code().equals(
                            ErrorResponse.decode(ErrorResponse.ERROR, frame.body()).sqlState());
                }
                if (error == null) {
                    error = frame.content();
                    // The coordinator's COPY ends with the shard's reason; its own error is then not the client's.
                    failCopy("the shard's COPY failed");
                } else {
                    frame.release();
                }
            }
            case MessageType.BackendBytes.READY_FOR_QUERY -> {
                frame.release();
                source.ready = true;
                source.connection.setAutoRead(true);
                endIfSourcesDone();
                finishIfAllReady();
            }
            default -> frame.release();
        }
    }

    /** A CopyData of a shard's COPY TO: its header cut, its trailer dropped, each tuple passed on. */
    private void copyData(Source source, Frame frame) {
        ByteBuf body = frame.body();
        int skip = 0;
        if (!source.headerCut) {
            source.headerCut = true;
            skip = COPY_HEADER;
        }
        int length = body.readableBytes() - skip;
        boolean trailer = length == 2 && body.getShort(body.readerIndex() + skip) == -1;
        if (length <= 0 || trailer || !admit(source)) {
            frame.release();
            return;
        }
        bytes += length;
        if (skip == 0) {
            write(frame.content());
            return;
        }
        ByteBuf whole = frame.content();
        ByteBuf head = coordinator.channel().alloc().buffer(Frame.HEADER_LENGTH);
        head.writeByte(MessageType.FrontendBytes.COPY_DATA).writeInt(4 + length);
        ByteBuf tuple = whole.retainedSlice(whole.readerIndex() + Frame.HEADER_LENGTH + skip, length);
        whole.release();
        write(coordinator.channel().alloc().compositeBuffer(2).addComponent(true, head).addComponent(true, tuple));
    }

    /** Whether one more row of {@code source} may go to the coordinator; past the limit, the pull stops. */
    private boolean admit(Source source) {
        if (error != null) {
            return false;
        }
        if (!budget.allows(rows + 1)) {
            stop(source, budget.exceeded(table, source.link.shard(), rows + 1));
            return false;
        }
        rows++;
        return true;
    }

    private void write(ByteBuf data) {
        coordinator.write(data);
        if (!coordinator.isWritable()) {
            sources.forEach(s -> s.connection.setAutoRead(false));
        }
    }

    private void fromCoordinator(Frame frame) {
        switch (frame.type()) {
            case MessageType.BackendBytes.COPY_IN_RESPONSE -> {
                frame.release();
                if (error == null) {
                    started = true;
                    bytes += RowsAsCopy.HEADER_BYTES;
                    coordinator.write(RowsAsCopy.header(coordinator.channel().alloc()));
                    coordinator.flush();
                    for (Source source : sources) {
                        // A write's locked target names each row's shard in its text, and a shard may leave rows
                        // out that it holds without owning them (PullStatements.forShard).
                        PullStatements own = statements.forShard(source.link.shard());
                        PullStatements.ParameterizedRows parameterized = own.withParameters();
                        if (parameterized == null) {
                            source.connection.channel().write(new Query(own.copyOut()), source.connection.channel().voidPromise());
                        } else {
                            parameterized.parameters().writeQuery(source.connection, parameterized.sql(), parameterized.originals());
                        }
                        source.connection.flush();
                    }
                }
            }
            case MessageType.BackendBytes.ERROR_RESPONSE -> {
                if (error == null) {
                    error = frame.content();
                } else {
                    frame.release();
                }
            }
            case MessageType.BackendBytes.READY_FOR_QUERY -> {
                frame.release();
                coordinatorReady = true;
                finishIfAllReady();
            }
            default -> frame.release();
        }
    }

    /** Every shard has sent all its rows: the stream's trailer and CopyDone go to the coordinator. */
    private void endIfSourcesDone() {
        if (ended || error != null || !sources.stream().allMatch(s -> s.ready)) {
            return;
        }
        ended = true;
        bytes += RowsAsCopy.TRAILER_BYTES;
        coordinator.write(RowsAsCopy.trailer(coordinator.channel().alloc()));
        coordinator.flush();
    }

    /** The pull passed its limit: no more rows go to the coordinator, whose COPY fails, and every shard still sending is cancelled. */
    private void stop(Source at, ErrorResponse limit) {
        ByteBuf out = coordinator.channel().alloc().buffer();
        limit.encode(out);
        error = out;
        failCopy("pgsteer stopped the pull: " + limit.message());
        for (Source source : sources) {
            if (!source.ready && source.connection.keyData() != null) {
                source.cancelSent = true;
                source.link.pool().connector().cancel(source.connection.target(), source.connection.keyData(), loop);
            }
        }
    }

    private void failCopy(String reason) {
        if (ended) {
            return;
        }
        ended = true;
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = coordinator.channel().alloc().buffer(6 + text.length);
        out.writeByte(MessageType.FrontendBytes.COPY_FAIL).writeInt(4 + text.length + 1).writeBytes(text).writeByte(0);
        coordinator.write(out);
        coordinator.flush();
    }

    private void finishIfAllReady() {
        boolean sourcesReady = !started || sources.stream().allMatch(s -> s.ready);
        if (!coordinatorReady || !sourcesReady || done.isDone()) {
            return;
        }
        budget.pulled(rows, bytes);
        for (Source source : sources) {
            source.connection.setAutoRead(true);
            if (source.cancelSent && !source.cancelSpent) {
                // The cancel may land on whatever this connection runs next.
                source.connection.close();
            }
        }
        if (error == null) {
            done.trySuccess(null);
        } else {
            done.tryFailure(new PullFailed(error));
        }
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        if (connection != coordinator) {
            coordinator.flush();
        }
    }

    @Override
    public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
        if (connection == coordinator) {
            sources.forEach(s -> {
                if (!s.ready) {
                    s.connection.setAutoRead(writable);
                }
            });
        }
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        if (error != null) {
            error.release();
            error = null;
        }
        done.tryFailure(new IOException("the connection to " + (connection == coordinator ? "the coordinator" : "a shard")
                + " was lost while pulling rows"));
    }
}
