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

/**
 * One table's rows of one shard pulled into the coordinator: the shard runs {@code COPY (...) TO
 * STDOUT (FORMAT binary)}, the coordinator {@code COPY pg_temp.t FROM STDIN (FORMAT binary)}, and each
 * CopyData frame goes from the one to the other as it came, undecoded. Back-pressure: the shard is
 * not read while the coordinator's socket is full. The COPY FROM is sent first, and the shard's COPY
 * only once the coordinator is ready for data. Ends with success, or with the first ErrorResponse
 * frame (either side's, PostgreSQL's own bytes) as {@link PullFailed}, once both sides are ready again.
 *
 * <p>Rows are counted against the statement's {@link PullBudget} without reading them: PostgreSQL's
 * COPY TO sends one CopyData per row, the binary header inside the first row's, and the trailer
 * (int16 -1) in a CopyData of its own (with the header when there is no row). So when a CopyData
 * arrives, every one passed on before it was a row, and the stream's rows are its CopyData count
 * minus one. When the next CopyData would prove the statement past its limit, the pull stops: the
 * coordinator's COPY gets CopyFail, the shard's COPY a CancelRequest, and the client the limit's
 * error (54000). A cancel that may still be on its way once the shard's COPY ended another way could
 * hit the connection's next statement, so then the connection is closed, never given back.
 *
 * <p>When the table's pushed conditions hold the client's parameters ({@link
 * PullStatements#withParameters}), the shard runs the SELECT as an extended-protocol query with binary
 * results instead, and each DataRow is passed on as a CopyData of the same body ({@link RowsAsCopy}),
 * after a header of pgsteer's and before its trailer, sent at the shard's CommandComplete. Rows are
 * then counted one by one, and the limit trips at the first row past it.
 *
 * <pre>
 * AWAIT_COPY_IN --CopyInResponse--> STREAMING --source ReadyForQuery + coordinator ReadyForQuery--> done
 *      \--coordinator error: the source never starts; done at the coordinator's ReadyForQuery
 *                             STREAMING --limit passed: CopyFail, cancel--> (same end, failed)
 * </pre>
 */
public final class CopyPull implements BackendListener {
    /** A side's ErrorResponse, whole, for the client. */
    public static final class PullFailed extends IOException {
        private final transient ByteBuf error;

        PullFailed(ByteBuf error) {
            super("pulling rows to the coordinator failed", null);
            this.error = error;
        }

        public ByteBuf error() {
            return error;
        }
    }

    private final ShardLink sourceLink;
    private final BackendConnection source;
    private final BackendConnection coordinator;
    private final String table;
    private final String copyOut;
    /** The extended-protocol query that replaces {@link #copyOut}, or null. */
    private final PullStatements.ParameterizedRows rows;
    private final EventLoop loop;
    private final PullBudget budget;
    private final Promise<Void> done;
    /** CopyData frames passed on to the coordinator, and their payload bytes. */
    private long frames;
    private long bytes;
    /** The shard's CopyDone came: the last frame passed on was the trailer, not a row. */
    private boolean sourceCopyDone;
    /** A CancelRequest went to the shard, and whether its COPY has ended with 57014 (the cancel spent). */
    private boolean cancelSent;
    private boolean cancelSpent;
    private boolean sourceStarted;
    private boolean sourceReady;
    private boolean coordinatorReady;
    /** The first error either side sent; after it, nothing more goes to the coordinator but the COPY's end. */
    private ByteBuf error;

    private CopyPull(ShardLink source, BackendConnection coordinator, String table, PullStatements statements, EventLoop loop,
                     PullBudget budget) {
        this.sourceLink = source;
        this.source = source.connection();
        this.coordinator = coordinator;
        this.table = table;
        this.copyOut = statements.copyOut();
        this.rows = statements.withParameters();
        this.loop = loop;
        this.budget = budget;
        this.done = loop.newPromise();
    }

    /**
     * Pulls the rows of {@code table} (schema-qualified, for messages) from {@code source} into the
     * coordinator's temporary table, by {@code statements}' COPYs, within {@code budget}; the caller
     * re-attaches both connections after.
     */
    public static Future<Void> run(ShardLink source, String table, PullStatements statements, BackendConnection coordinator,
                                   EventLoop loop, PullBudget budget) {
        if (source.connection() == coordinator) {
            // The coordinator's own rows, left out of the create for conditions with the client's parameters.
            return LocalFill.run(coordinator, statements.withParameters(), loop);
        }
        CopyPull pull = new CopyPull(source, coordinator, table, statements, loop, budget);
        pull.source.attach(pull);
        coordinator.attach(pull);
        send(coordinator, statements.copyIn());
        return pull.done;
    }

    private static void send(BackendConnection on, String sql) {
        on.channel().write(new Query(sql), on.channel().voidPromise());
        on.flush();
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        byte type = frame.type();
        if (connection == source) {
            fromSource(type, frame);
        } else {
            fromCoordinator(type, frame);
        }
    }

    private void fromSource(byte type, Frame frame) {
        switch (type) {
            case MessageType.BackendBytes.COPY_DATA, MessageType.BackendBytes.COPY_DONE -> {
                if (error == null && type == MessageType.BackendBytes.COPY_DATA && !budget.allows(frames)) {
                    frame.release();
                    stop(budget.exceeded(table, sourceLink.shard(), frames));
                } else if (error == null) {
                    if (type == MessageType.BackendBytes.COPY_DATA) {
                        frames++;
                        bytes += frame.length() - Frame.HEADER_LENGTH;
                    } else {
                        sourceCopyDone = true;
                    }
                    coordinator.write(frame);
                    if (!coordinator.isWritable()) {
                        source.setAutoRead(false);
                    }
                } else {
                    frame.release();
                }
            }
            case MessageType.BackendBytes.DATA_ROW -> {
                if (error == null && !budget.allows(frames + 1)) {
                    frame.release();
                    stop(budget.exceeded(table, sourceLink.shard(), frames + 1));
                } else if (error == null) {
                    frames++;
                    bytes += frame.length() - Frame.HEADER_LENGTH;
                    coordinator.write(RowsAsCopy.copyData(frame, coordinator.channel().alloc()));
                    if (!coordinator.isWritable()) {
                        source.setAutoRead(false);
                    }
                } else {
                    frame.release();
                }
            }
            case MessageType.BackendBytes.COMMAND_COMPLETE -> {
                frame.release();
                // Only the extended query's: a COPY TO ends its stream with its own CopyDone, before it.
                if (rows != null && error == null) {
                    bytes += RowsAsCopy.TRAILER_BYTES;
                    coordinator.write(RowsAsCopy.trailer(coordinator.channel().alloc()));
                }
            }
            case MessageType.BackendBytes.ERROR_RESPONSE -> {
                if (cancelSent && !cancelSpent) {
                    cancelSpent = SqlState.QUERY_CANCELED.code().equals(ErrorResponse.decode(ErrorResponse.ERROR, frame.body()).sqlState());
                }
                if (error == null) {
                    error = frame.content();
                    // The coordinator's COPY ends with the shard's reason; its own error is then not the client's.
                    coordinator.write(copyFail(coordinator, "the shard's COPY failed"));
                    coordinator.flush();
                } else {
                    frame.release();
                }
            }
            case MessageType.BackendBytes.READY_FOR_QUERY -> {
                frame.release();
                sourceReady = true;
                coordinator.flush();
                finishIfBothReady();
            }
            default -> frame.release();
        }
    }

    private void fromCoordinator(byte type, Frame frame) {
        switch (type) {
            case MessageType.BackendBytes.COPY_IN_RESPONSE -> {
                frame.release();
                if (error == null) {
                    sourceStarted = true;
                    if (rows == null) {
                        send(source, copyOut);
                    } else {
                        bytes += RowsAsCopy.HEADER_BYTES;
                        coordinator.write(RowsAsCopy.header(coordinator.channel().alloc()));
                        rows.parameters().writeQuery(source, rows.sql(), rows.originals());
                        source.flush();
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
                finishIfBothReady();
            }
            default -> frame.release();
        }
    }

    /** The statement passed its limit: no more rows go to the coordinator, whose COPY fails, and the shard's COPY is cancelled. */
    private void stop(ErrorResponse limit) {
        ByteBuf out = coordinator.channel().alloc().buffer();
        limit.encode(out);
        error = out;
        coordinator.write(copyFail(coordinator, "pgsteer stopped the pull: " + limit.message()));
        coordinator.flush();
        if (source.keyData() != null) {
            cancelSent = true;
            sourceLink.pool().connector().cancel(source.target(), source.keyData(), loop);
        }
    }

    private void finishIfBothReady() {
        if (coordinatorReady && (sourceReady || !sourceStarted)) {
            source.setAutoRead(true);
            // A COPY's last CopyData was its trailer; an extended query's rows are its DataRows.
            budget.pulled(rows == null && sourceCopyDone ? Math.max(frames - 1, 0) : frames, bytes);
            if (cancelSent && !cancelSpent) {
                // The cancel may land on whatever this connection runs next.
                source.close();
            }
            if (error == null) {
                done.trySuccess(null);
            } else {
                done.tryFailure(new PullFailed(error));
            }
        }
    }

    private static ByteBuf copyFail(BackendConnection on, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = on.channel().alloc().buffer(6 + text.length);
        out.writeByte(MessageType.FrontendBytes.COPY_FAIL).writeInt(4 + text.length + 1).writeBytes(text).writeByte(0);
        return out;
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        if (connection == source) {
            coordinator.flush();
        }
    }

    @Override
    public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
        if (connection == coordinator) {
            source.setAutoRead(writable);
        }
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        if (error != null) {
            error.release();
            error = null;
        }
        done.tryFailure(new IOException("the connection to " + (connection == source ? "a shard" : "the coordinator")
                + " was lost while pulling rows"));
    }
}
