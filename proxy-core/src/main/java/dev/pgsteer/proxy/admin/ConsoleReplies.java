package dev.pgsteer.proxy.admin;

import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.extended.Answered;
import dev.pgsteer.proxy.extended.LocalExtendedProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the console writes to its client: messages, errors, a command's result, and the session's
 * phase around an extended-protocol batch (FAILED_UNTIL_SYNC after an error, READY at the Sync).
 */
final class ConsoleReplies implements LocalExtendedProtocol.Replies {
    /** Under the console's name: these lines are the console's. */
    private static final Logger log = LoggerFactory.getLogger(AdminConsole.class);

    private final ClientSession session;
    private final Channel client;

    ConsoleReplies(ClientSession session) {
        this.session = session;
        this.client = session.channel();
    }

    @Override
    public ByteBufAllocator alloc() {
        return client.alloc();
    }

    @Override
    public void write(ByteBuf message) {
        client.write(message, client.voidPromise());
    }

    @Override
    public void send(ErrorResponse error) {
        session.send(error);
    }

    @Override
    public void flush() {
        client.flush();
    }

    @Override
    public void failUntilSync() {
        session.failUntilSync();
    }

    @Override
    public void synced() {
        session.ready();
        readyForQuery();
    }

    boolean failedUntilSync() {
        return session.phase() == Phase.FAILED_UNTIL_SYNC;
    }

    void readyForQuery() {
        session.send(ReadyForQuery.IDLE);
    }

    void complete(String tag) {
        session.send(new CommandComplete(tag));
    }

    /**
     * Writes a command's finished result: RowDescription (when {@code describe}: the simple protocol),
     * DataRows and CommandComplete; or its error.
     */
    Answered result(AdminCommand command, CompletableFuture<Result> done, short[] formats, boolean describe) {
        Result result;
        try {
            result = done.join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            ErrorResponse refused = ConsoleErrors.refusalOf(command, cause);
            if (refused != null) {
                log.info("{}: {} refused: {}", session.id(), command.name(), refused.message());
                send(refused);
                return Answered.FAILED;
            }
            log.warn("{}: {} failed", session.id(), command.name(), cause);
            send(ConsoleErrors.failed(command, cause));
            return Answered.FAILED;
        }
        if (describe) {
            write(ResultEncoder.rowDescription(alloc(), result.columns(), formats));
        }
        for (List<Object> row : result.rows()) {
            write(ResultEncoder.dataRow(alloc(), result.columns(), row, formats));
        }
        complete(result.tag());
        return Answered.WRITTEN;
    }
}
