package dev.pgsteer.proxy.backend;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.MessageType.BackendBytes;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.protocol.message.backend.DataRow;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.errors.BackendErrorException;
import dev.pgsteer.proxy.errors.BackendUnavailableException;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Promise;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One of pgsteer's own statements in flight on a connection (session settings, a rollback, a catalog
 * lookup, a health check): its answer is read here, while the connection is INTERNAL, and never
 * reaches a client. It completes at ReadyForQuery: with the backend's ErrorResponse if one came, and
 * as a failure if the connection is left in another transaction status than {@code expected}.
 */
final class InternalStatement {
    private final Promise<Void> done;
    private final Consumer<ParameterStatus> reports;
    private final TransactionStatus expected;
    private final Consumer<List<String>> rows;
    private ErrorResponse error;

    InternalStatement(Promise<Void> done, Consumer<ParameterStatus> reports, TransactionStatus expected,
                      Consumer<List<String>> rows) {
        this.done = done;
        this.reports = reports;
        this.expected = expected;
        this.rows = rows;
    }

    /**
     * Reads one frame of the answer and releases it; a setting the backend reports changed is recorded
     * in {@code settings} too. The status the backend is left in at ReadyForQuery, else null.
     */
    TransactionStatus read(Frame frame, ConnectionSettings settings) {
        try {
            switch (frame.type()) {
                case ParameterStatus.TYPE -> {
                    ParameterStatus status = ParameterStatus.decode(frame.body());
                    settings.reported(status.name(), status.value());
                    reports.accept(status);
                }
                case ErrorResponse.ERROR -> error = ErrorResponse.decode(ErrorResponse.ERROR, frame.body());
                case BackendBytes.DATA_ROW -> rows.accept(DataRow.of(frame).texts());
                case ReadyForQuery.TYPE -> {
                    return ReadyForQuery.decode(frame.body()).status();
                }
                default -> {
                    // Rows of set_config, CommandComplete, notices: nothing a client should see.
                }
            }
            return null;
        } finally {
            frame.release();
        }
    }

    /**
     * The answer ended in {@code status}: the statement completes. A connection left in another status
     * than expected is closed ({@code closeConnection}) before anyone hears, so no one reuses it.
     */
    void finish(TransactionStatus status, Runnable closeConnection) {
        if (error != null) {
            done.tryFailure(new BackendErrorException(error));
        } else if (status != expected) {
            closeConnection.run();
            done.tryFailure(new IllegalStateException("backend left in status " + status
                    + " after pgsteer's own statement, not " + expected));
        } else {
            done.trySuccess(null);
        }
    }

    /** The connection died before the answer ended. A backend that ends a connection says why first (57P01 at a shutdown): that is the answer. */
    void cut(BackendUnavailableException lost) {
        done.tryFailure(error != null ? new BackendErrorException(error) : lost);
    }
}
