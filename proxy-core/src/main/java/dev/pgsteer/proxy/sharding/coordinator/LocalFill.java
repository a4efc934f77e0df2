package dev.pgsteer.proxy.sharding.coordinator;

import dev.pgsteer.protocol.message.MessageType;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;

/**
 * The coordinator shard's own rows of a table whose pushed conditions hold the client's parameters:
 * {@code INSERT INTO pg_temp.t SELECT ... WHERE ...} run in place, in the coordinator's transaction,
 * as an extended-protocol query with the client's parameter types and values (the simple-protocol
 * create cannot carry them). Ends at ReadyForQuery, with the first ErrorResponse (PostgreSQL's own
 * bytes) as {@link PullFailed}. Its rows are not counted against the budget: nothing
 * crosses the network.
 */
public final class LocalFill implements BackendListener {
    private final BackendConnection coordinator;
    private final EventLoop loop;
    private final Promise<Void> done;
    private ByteBuf error;

    private LocalFill(BackendConnection coordinator, EventLoop loop) {
        this.coordinator = coordinator;
        this.loop = loop;
        this.done = loop.newPromise();
    }

    public static Future<Void> run(BackendConnection coordinator, PullStatements.ParameterizedRows rows, EventLoop loop) {
        LocalFill fill = new LocalFill(coordinator, loop);
        coordinator.attach(fill);
        rows.parameters().writeQuery(coordinator, rows.fillLocally(), rows.originals());
        coordinator.flush();
        return fill.done;
    }

    @Override
    public EventExecutor executor() {
        return loop;
    }

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        switch (frame.type()) {
            case MessageType.BackendBytes.ERROR_RESPONSE -> {
                if (error == null) {
                    error = frame.content();
                } else {
                    frame.release();
                }
            }
            case MessageType.BackendBytes.READY_FOR_QUERY -> {
                frame.release();
                if (error == null) {
                    done.trySuccess(null);
                } else {
                    done.tryFailure(new PullFailed(error));
                }
            }
            default -> frame.release();
        }
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
    }

    @Override
    public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        if (error != null) {
            error.release();
            error = null;
        }
        done.tryFailure(new IOException("the connection to the coordinator was lost while filling its own rows"));
    }
}
