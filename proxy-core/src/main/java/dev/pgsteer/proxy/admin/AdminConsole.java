package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.backend.EmptyQueryResponse;
import dev.pgsteer.protocol.message.frontend.CopyData;
import dev.pgsteer.protocol.message.frontend.CopyFail;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.client.SessionGreeting;
import dev.pgsteer.proxy.client.SessionRelay;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.extended.Answered;
import dev.pgsteer.proxy.extended.LocalExtendedProtocol;
import dev.pgsteer.proxy.extended.PortalState;
import dev.pgsteer.proxy.runtime.ProxyContext;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin console: what a session gets instead of a backend when an admin user connects to the
 * virtual database {@value ProxyConfig#ADMIN_DATABASE}. It answers its own commands
 * ({@link AdminCommands}) as ordinary result sets, so psql prints them as tables and any driver reads
 * them, over the simple protocol (several statements per Query) and the extended one (Parse, Bind,
 * Describe, Execute, Sync without parameters, as pgjdbc sends by default: {@link ConsoleStatements}
 * on the shared {@link LocalExtendedProtocol}).
 *
 * <p>Messages are handled one at a time, in order: a command whose answer is not ready at once
 * (SHOW CLIENTS asks every session's event loop) holds the ones behind it until it is written.
 * After an error in an extended-protocol batch, messages are skipped up to the Sync, as PostgreSQL
 * does: the session's phase is FAILED_UNTIL_SYNC until then.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html">Message flow</a>
 */
public final class AdminConsole implements SessionRelay {
    private static final Logger log = LoggerFactory.getLogger(AdminConsole.class);
    /**
     * What the console reports as {@code server_version}: a modern PostgreSQL, so drivers take their
     * usual paths; the console itself speaks only its commands.
     */
    static final String SERVER_VERSION = "17.0 (pgsteer admin console)";

    private final ClientSession session;
    private final Channel client;
    private final ProxyContext context;
    private final AdminCommands commands = new AdminCommands();
    private final ConsoleReplies replies;
    private final LocalExtendedProtocol<AdminCommands.Parsed, ConsoleStatements.Portal> extended;

    private final ArrayDeque<Frame> pending = new ArrayDeque<>();
    /** A command's answer is on its way; later messages wait. */
    private boolean busy;
    /** A COPY KEYS taking the client's rows; null when none. */
    private ConsoleCopy copyIn;

    public AdminConsole(ClientSession session, ProxyContext context) {
        this.session = session;
        this.client = session.channel();
        this.context = context;
        this.replies = new ConsoleReplies(session);
        this.extended = new LocalExtendedProtocol<>(new ConsoleStatements(commands, replies, this::answer), replies,
                new PortalState<>());
    }

    /** No backend to wait for: the parameters PostgreSQL reports, the client's key, ready. */
    @Override
    public void connect() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("server_version", SERVER_VERSION);
        parameters.put("server_encoding", "UTF8");
        parameters.put("client_encoding", "UTF8");
        parameters.put("DateStyle", "ISO, MDY");
        parameters.put("IntervalStyle", "postgres");
        parameters.put("TimeZone", "UTC");
        parameters.put("integer_datetimes", "on");
        parameters.put("standard_conforming_strings", "on");
        parameters.put("is_superuser", "off");
        parameters.put("session_authorization", session.user());
        parameters.put("application_name", session.settings().wanted().getOrDefault("application_name", ""));
        SessionGreeting.send(session, parameters);
        session.ready();
        client.flush();
    }

    @Override
    public void onClientFrame(Frame frame) {
        pending.add(frame);
        drain();
    }

    private void drain() {
        Frame frame;
        while (!busy && session.phase() != Phase.CLOSED && (frame = pending.poll()) != null) {
            try {
                handle(frame);
            } catch (RuntimeException e) {
                // A malformed message (ProtocolViolationException included) ends the session, as in a relay.
                log.info("{}: bad message in the admin console: {}", session.id(), e.toString());
                session.terminate(ProxyErrors.protocolViolation("invalid message: " + e.getMessage()));
            } finally {
                frame.release();
            }
        }
        client.flush();
    }

    private void handle(Frame frame) {
        Frontend type = Frontend.of(frame.type());
        if (type == Frontend.TERMINATE) {
            session.closed();
            client.close();
            return;
        }
        if (replies.failedUntilSync() && type != Frontend.SYNC) {
            return;
        }
        if (copyIn != null && type != Frontend.COPY_DATA && type != Frontend.COPY_DONE && type != Frontend.COPY_FAIL
                && type != Frontend.FLUSH && type != Frontend.SYNC) {
            // As PostgreSQL: another message ends the COPY with an error; the message itself is then taken.
            copyIn = null;
            replies.send(ProxyErrors.error(SqlState.PROTOCOL_VIOLATION, "unexpected message type 0x"
                    + Integer.toHexString(frame.type()) + " during COPY from stdin"));
            replies.readyForQuery();
        }
        switch (type) {
            case QUERY -> simpleQuery(Query.decode(frame.body()).sql());
            case PARSE, BIND, DESCRIBE, EXECUTE, CLOSE -> extended.onMessage(frame);
            // During a COPY, PostgreSQL ignores Flush and Sync.
            case FLUSH, SYNC -> {
                if (copyIn == null) {
                    extended.onMessage(frame);
                }
            }
            case FUNCTION_CALL -> {
                replies.send(ProxyErrors.error(SqlState.FEATURE_NOT_SUPPORTED, "the admin console does not call functions"));
                replies.readyForQuery();
            }
            case COPY_DATA, COPY_DONE, COPY_FAIL -> {
                if (copyIn != null) {
                    copy(type, frame);
                }
                // Else COPY data with no COPY under way: PostgreSQL ignores it too.
            }
            case TERMINATE, PASSWORD, UNKNOWN ->
                    session.terminate(ProxyErrors.protocolViolation("invalid frontend message type " + (char) frame.type()));
        }
    }

    // --- the simple protocol: one Query, its statements in turn, one ReadyForQuery ---

    private void simpleQuery(String sql) {
        List<String> parts = AdminCommands.split(sql);
        if (parts.isEmpty()) {
            replies.write(EmptyQueryResponse.INSTANCE.encode(client.alloc()));
            replies.readyForQuery();
            return;
        }
        runStatements(parts, 0);
    }

    private void runStatements(List<String> parts, int from) {
        for (int i = from; i < parts.size(); i++) {
            AdminCommands.Parsed parsed = commands.parse(parts.get(i));
            ErrorResponse refusal = ConsoleErrors.refusal(parsed, commands);
            if (refusal != null) {
                replies.send(refusal);
                replies.readyForQuery();
                return;
            }
            int next = i + 1;
            if (parsed instanceof AdminCommands.Parsed.Run run && run.command() instanceof KeyAdmin.KeyCopy copy) {
                copyIn = new ConsoleCopy(copy, parts, next);
                replies.write(ConsoleCopy.copyInResponse(client.alloc()));
                return;
            }
            Answered answered = answer(parsed, ConsoleStatements.TEXT, true, later -> {
                if (later == Answered.WRITTEN) {
                    runStatements(parts, next);
                } else {
                    replies.readyForQuery();
                }
            });
            switch (answered) {
                case WRITTEN -> {
                }
                case PENDING -> {
                    return;
                }
                case FAILED -> {
                    replies.readyForQuery();
                    return;
                }
            }
        }
        replies.readyForQuery();
    }

    // --- COPY KEYS ... FROM STDIN: its rows, then the rest of its Query ---

    private void copy(Frontend type, Frame frame) {
        ConsoleCopy copy = copyIn;
        switch (type) {
            case COPY_DATA -> copy.take(CopyData.of(frame).data());
            case COPY_FAIL -> {
                copyIn = null;
                replies.send(ProxyErrors.error(SqlState.QUERY_CANCELED, "COPY from stdin failed: " + CopyFail.of(frame).message()));
                replies.readyForQuery();
            }
            case COPY_DONE -> {
                copyIn = null;
                if (copy.tooLarge()) {
                    replies.send(ProxyErrors.error(SqlState.PROGRAM_LIMIT_EXCEEDED, "COPY KEYS takes at most "
                            + KeyAdmin.KeyCopy.MAX_BYTES / (1024 * 1024) + " MB of rows", "copy the keys in several parts"));
                    replies.readyForQuery();
                    return;
                }
                CompletableFuture<Result> result = copy.command().assign(context, copy.rows());
                busy = true;
                result.whenComplete((r, e) -> client.eventLoop().execute(() -> {
                    busy = false;
                    if (session.phase() == Phase.CLOSED) {
                        return;
                    }
                    if (replies.result(copy.command(), result, ConsoleStatements.TEXT, false) == Answered.WRITTEN) {
                        runStatements(copy.parts(), copy.next());
                    } else {
                        replies.readyForQuery();
                    }
                    drain();
                }));
            }
            default -> throw new IllegalArgumentException("not a COPY message: " + type);
        }
    }

    // --- answers ---

    /**
     * Writes the answer to one statement: for a command, RowDescription (simple protocol only),
     * DataRows and CommandComplete. PENDING when it comes later: the caller stops there, the queue
     * waits, and {@code later} hears how it ended once it is written.
     */
    private Answered answer(AdminCommands.Parsed parsed, short[] formats, boolean describe, Consumer<Answered> later) {
        switch (parsed) {
            case AdminCommands.Parsed.Empty empty -> {
                replies.write(EmptyQueryResponse.INSTANCE.encode(client.alloc()));
                return Answered.WRITTEN;
            }
            case AdminCommands.Parsed.Ignored ignored -> {
                replies.complete(ignored.tag());
                return Answered.WRITTEN;
            }
            case AdminCommands.Parsed.Run run -> {
                CompletableFuture<Result> result;
                try {
                    result = run.command().run(context);
                } catch (RuntimeException e) {
                    result = CompletableFuture.failedFuture(e);
                }
                if (result.isDone()) {
                    return replies.result(run.command(), result, formats, describe);
                }
                busy = true;
                CompletableFuture<Result> pendingResult = result;
                pendingResult.whenComplete((r, e) -> client.eventLoop().execute(() -> {
                    busy = false;
                    if (session.phase() == Phase.CLOSED) {
                        return;
                    }
                    later.accept(replies.result(run.command(), pendingResult, formats, describe));
                    drain();
                }));
                return Answered.PENDING;
            }
            case AdminCommands.Parsed.Unknown unknown -> throw new IllegalStateException("refused before: " + unknown);
            case AdminCommands.Parsed.NotACommand sql -> throw new IllegalStateException("refused before: " + sql);
            case AdminCommands.Parsed.Invalid invalid -> throw new IllegalStateException("refused before: " + invalid);
        }
    }

    @Override
    public void onClientReadComplete() {
        client.flush();
    }

    @Override
    public void onClientWritabilityChanged() {
        // Answers are small and bounded by the number of pools and clients; no reading to pause.
    }

    @Override
    public void onClientClosed() {
        session.closed();
        Frame frame;
        while ((frame = pending.poll()) != null) {
            frame.release();
        }
    }

    @Override
    public void cancel() {
        // Console commands finish at once; there is nothing to cancel.
    }
}
