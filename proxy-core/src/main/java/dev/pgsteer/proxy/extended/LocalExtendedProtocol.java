package dev.pgsteer.proxy.extended;

import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.message.backend.BindComplete;
import dev.pgsteer.protocol.message.backend.CloseComplete;
import dev.pgsteer.protocol.message.backend.ParseComplete;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.message.frontend.Close;
import dev.pgsteer.protocol.message.frontend.Describe;
import dev.pgsteer.protocol.message.frontend.Execute;
import dev.pgsteer.protocol.message.frontend.Parse;
import dev.pgsteer.protocol.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.function.Consumer;

/**
 * The server side of the extended protocol for a session that answers its statements itself (the
 * admin console): Parse, Bind, Describe, Execute, Close, Sync and Flush, with the statements and
 * portals kept in a {@link PortalState}. What a statement is, and how it is described and run, is the
 * {@link Server}'s; the order of answers, the errors of unknown names and skipping to the Sync after
 * an error are this class's.
 *
 * <pre>
 * Parse    → Server.prepare, then 42P05 if a named statement exists → ParseComplete
 * Bind     → 26000 if the statement does not exist, Server.bind     → BindComplete
 * Describe → 26000 / 34000, then Server.describe…
 * Execute  → 34000, Server.execute: WRITTEN, FAILED, or PENDING (the queue waits)
 * Close    → CloseComplete, whether or not the name existed
 * Sync     → the portals go; the batch ends (ReadyForQuery)
 * </pre>
 *
 * <p>Any error fails the batch: {@link Replies#failUntilSync} tells the session, which drops the
 * client's messages up to the Sync, as PostgreSQL does.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY">Extended Query</a>
 */
public final class LocalExtendedProtocol<S, P> {

    /** What the session answers itself: its statements and how they run. */
    public interface Server<S, P> {
        /** The statement a Parse prepares, or the error that refuses it. */
        Lookup<S> prepare(Parse parse);

        /** The portal a Bind makes of {@code statement}, or the error that refuses it. */
        Lookup<P> bind(S statement, Bind bind);

        /** Writes a statement's ParameterDescription and its RowDescription or NoData. */
        void describeStatement(S statement);

        /** Writes a portal's RowDescription or NoData. */
        void describePortal(P portal);

        /** Runs the portal: rows and CommandComplete, or an error; {@code later} hears how a PENDING one ended. */
        Answered execute(P portal, Execute execute, Consumer<Answered> later);
    }

    /** Where the answers go, and the session's part in a failed batch. */
    public interface Replies {
        ByteBufAllocator alloc();

        void write(ByteBuf message);

        void send(ErrorResponse error);

        void flush();

        /** An error in the batch: the session skips the client's messages up to the Sync. */
        void failUntilSync();

        /** The Sync: the batch is over, the session is ready (it writes ReadyForQuery). */
        void synced();
    }

    private final Server<S, P> server;
    private final Replies replies;
    private final PortalState<S, P> state;

    public LocalExtendedProtocol(Server<S, P> server, Replies replies, PortalState<S, P> state) {
        this.server = server;
        this.replies = replies;
        this.state = state;
    }

    /** Handles one extended-protocol message; the caller keeps the frame and releases it. */
    public void onMessage(Frame frame) {
        switch (Frontend.of(frame.type())) {
            case PARSE -> parse(Parse.of(frame));
            case BIND -> bind(Bind.of(frame));
            case DESCRIBE -> describe(Describe.of(frame));
            case EXECUTE -> execute(Execute.of(frame));
            case CLOSE -> close(Close.of(frame));
            case SYNC -> {
                state.closePortals();
                replies.synced();
            }
            case FLUSH -> replies.flush();
            case QUERY, FUNCTION_CALL, TERMINATE, COPY_DATA, COPY_DONE, COPY_FAIL, PASSWORD, UNKNOWN ->
                    throw new IllegalArgumentException("not an extended-protocol message: " + frame);
        }
    }

    private void parse(Parse parse) {
        String name = parse.name();
        switch (server.prepare(parse)) {
            case Lookup.Refused<S>(ErrorResponse error) -> fail(error);
            case Lookup.Found<S>(S statement) -> {
                switch (state.prepare(name, statement)) {
                    case Lookup.Refused<S>(ErrorResponse error) -> fail(error);
                    case Lookup.Found<S> prepared -> replies.write(ParseComplete.INSTANCE.encode(alloc()));
                }
            }
        }
    }

    private void bind(Bind bind) {
        String portal = bind.portal();
        switch (state.statement(bind.statement())) {
            case Lookup.Refused<S>(ErrorResponse error) -> fail(error);
            case Lookup.Found<S>(S statement) -> {
                switch (server.bind(statement, bind)) {
                    case Lookup.Refused<P>(ErrorResponse error) -> fail(error);
                    case Lookup.Found<P>(P bound) -> {
                        state.bind(portal, bound);
                        replies.write(BindComplete.INSTANCE.encode(alloc()));
                    }
                }
            }
        }
    }

    private void describe(Describe describe) {
        String name = describe.name();
        switch (describe.target()) {
            case STATEMENT -> {
                switch (state.statement(name)) {
                    case Lookup.Refused<S>(ErrorResponse error) -> fail(error);
                    case Lookup.Found<S>(S statement) -> server.describeStatement(statement);
                }
            }
            case PORTAL -> {
                switch (state.portal(name)) {
                    case Lookup.Refused<P>(ErrorResponse error) -> fail(error);
                    case Lookup.Found<P>(P portal) -> server.describePortal(portal);
                }
            }
        }
    }

    private void execute(Execute execute) {
        switch (state.portal(execute.portal())) {
            case Lookup.Refused<P>(ErrorResponse error) -> fail(error);
            case Lookup.Found<P>(P portal) -> {
                Answered answered = server.execute(portal, execute, later -> {
                    if (later == Answered.FAILED) {
                        replies.failUntilSync();
                    }
                });
                if (answered == Answered.FAILED) {
                    replies.failUntilSync();
                }
            }
        }
    }

    private void close(Close close) {
        state.close(close.target(), close.name());
        replies.write(CloseComplete.INSTANCE.encode(alloc()));
    }

    private void fail(ErrorResponse error) {
        replies.send(error);
        replies.failUntilSync();
    }

    private ByteBufAllocator alloc() {
        return replies.alloc();
    }
}
