package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.protocol.message.MessageType;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
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
 * <pre>
 * AWAIT_COPY_IN --CopyInResponse--> STREAMING --source ReadyForQuery + coordinator ReadyForQuery--> done
 *      \--coordinator error: the source never starts; done at the coordinator's ReadyForQuery
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

    private final BackendConnection source;
    private final BackendConnection coordinator;
    private final String copyOut;
    private final EventLoop loop;
    private final Promise<Void> done;
    private boolean sourceStarted;
    private boolean sourceReady;
    private boolean coordinatorReady;
    /** The first error either side sent; after it, nothing more goes to the coordinator but the COPY's end. */
    private ByteBuf error;

    private CopyPull(BackendConnection source, BackendConnection coordinator, String copyOut, EventLoop loop) {
        this.source = source;
        this.coordinator = coordinator;
        this.copyOut = copyOut;
        this.loop = loop;
        this.done = loop.newPromise();
    }

    /** Pulls {@code copyOut}'s rows from {@code source} into the coordinator's {@code copyIn}; the caller re-attaches both after. */
    public static Future<Void> run(BackendConnection source, BackendConnection coordinator, String copyOut, String copyIn, EventLoop loop) {
        CopyPull pull = new CopyPull(source, coordinator, copyOut, loop);
        source.attach(pull);
        coordinator.attach(pull);
        send(coordinator, copyIn);
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
                if (error == null) {
                    coordinator.write(frame);
                    if (!coordinator.isWritable()) {
                        source.setAutoRead(false);
                    }
                } else {
                    frame.release();
                }
            }
            case MessageType.BackendBytes.ERROR_RESPONSE -> {
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
                    send(source, copyOut);
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

    private void finishIfBothReady() {
        if (coordinatorReady && (sourceReady || !sourceStarted)) {
            source.setAutoRead(true);
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
