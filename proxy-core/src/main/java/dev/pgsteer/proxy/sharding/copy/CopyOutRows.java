package dev.pgsteer.proxy.sharding.copy;

import dev.pgsteer.protocol.message.MessageType;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.backend.DataRow;
import dev.pgsteer.protocol.message.backend.ParameterDescription;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One shard's {@code COPY (...) TO STDOUT}, its CopyData frames gathered (as they came: a backend's
 * CopyData is laid out as a client's, so they can be fed on to a {@link CopySplit}) up to a bound.
 * Or, where COPY cannot run (a query with the client's parameters), the query's Parse, Bind and
 * Execute in text result format: each DataRow becomes the CopyData of the same row
 * ({@link TextRows}), and a ParameterDescription is kept. Ends at the shard's ReadyForQuery with the
 * rows, or with the shard's ErrorResponse ({@link ShardFailed}), or with {@link TooManyRows} past the
 * bound (the rest is read and dropped). The shard's notices go to the client, as PostgreSQL's would.
 */
public final class CopyOutRows implements BackendListener {
    /** The shard's ErrorResponse, whole, for the client. */
    public static final class ShardFailed extends IOException {
        private final transient ByteBuf error;

        ShardFailed(ByteBuf error) {
            super("the shard's COPY failed", null);
            this.error = error;
        }

        public ByteBuf error() {
            return error;
        }
    }

    /** More than the bound of bytes came. */
    public static final class TooManyRows extends IOException {
        TooManyRows(long bound) {
            super("more than " + bound + " bytes of rows", null);
        }
    }

    /** The rows, and the parameter types a Describe of the statement gave (null without one). */
    public record Gathered(List<Frame> rows, int[] parameterTypes) {
    }

    private final ShardLink link;
    private final Channel client;
    private final EventLoop loop;
    private final long bound;
    private final Promise<Gathered> done;
    private final List<Frame> rows = new ArrayList<>();
    private int[] parameterTypes;
    private long bytes;
    private boolean overBound;
    private ByteBuf error;

    private CopyOutRows(ShardLink link, Channel client, EventLoop loop, long bound) {
        this.link = link;
        this.client = client;
        this.loop = loop;
        this.bound = bound;
        this.done = loop.newPromise();
    }

    /**
     * Runs {@code copyOut} on the link's connection and gathers its rows, at most {@code bound} bytes
     * of them; the caller attaches the connection back to its owner after, and owns the frames.
     */
    public static Future<List<Frame>> run(ShardLink link, String copyOut, Channel client, EventLoop loop, long bound) {
        Promise<List<Frame>> rows = loop.newPromise();
        Future<Gathered> gathered = run(link, connection -> connection.channel().write(new Query(copyOut),
                connection.channel().voidPromise()), client, loop, bound);
        gathered.addListener(g -> {
            if (gathered.isSuccess()) {
                rows.setSuccess(gathered.getNow().rows());
            } else {
                rows.setFailure(gathered.cause());
            }
        });
        return rows;
    }

    /**
     * Writes {@code messages} (ending in one Sync) on the link's connection and gathers the rows of
     * what they run, a COPY's or an Execute's in text result format, and the ParameterDescription a
     * Describe among them gets; the caller attaches the connection back to its owner after, and owns the frames.
     */
    public static Future<Gathered> run(ShardLink link, Consumer<BackendConnection> messages, Channel client, EventLoop loop,
                                       long bound) {
        CopyOutRows gather = new CopyOutRows(link, client, loop, bound);
        BackendConnection connection = link.connection();
        connection.attach(gather);
        messages.accept(connection);
        connection.flush();
        return gather.done;
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        switch (frame.type()) {
            case MessageType.BackendBytes.COPY_DATA -> keep(frame);
            case MessageType.BackendBytes.DATA_ROW -> keep(new Frame(TextRows.copyData(DataRow.of(frame), connection.channel().alloc())));
            case MessageType.BackendBytes.PARAMETER_DESCRIPTION -> {
                ParameterDescription description = ParameterDescription.of(frame);
                parameterTypes = new int[description.count()];
                for (int i = 0; i < parameterTypes.length; i++) {
                    parameterTypes[i] = description.type(i);
                }
                frame.release();
            }
            case MessageType.BackendBytes.ERROR_RESPONSE -> {
                if (error == null) {
                    error = frame.content();
                    releaseRows();
                } else {
                    frame.release();
                }
            }
            case MessageType.BackendBytes.NOTICE_RESPONSE -> client.write(frame.content(), client.voidPromise());
            case MessageType.BackendBytes.READY_FOR_QUERY -> {
                link.reported(ReadyForQuery.decode(frame.body()).status());
                frame.release();
                if (error != null) {
                    done.tryFailure(new ShardFailed(error));
                } else if (overBound) {
                    done.tryFailure(new TooManyRows(bound));
                } else {
                    done.trySuccess(new Gathered(rows, parameterTypes));
                }
            }
            default -> frame.release();
        }
    }

    private void keep(Frame row) {
        bytes += row.length();
        if (overBound || error != null || bytes > bound) {
            overBound = error == null;
            row.release();
            releaseRows();
        } else {
            rows.add(row);
        }
    }

    private void releaseRows() {
        rows.forEach(Frame::release);
        rows.clear();
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        client.flush();
    }

    @Override
    public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
        // Nothing is written to the shard while it sends its rows.
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        releaseRows();
        if (error != null) {
            error.release();
            error = null;
        }
        done.tryFailure(new IOException("the connection to shard " + link.shard() + " was lost while reading rows"));
    }
}
