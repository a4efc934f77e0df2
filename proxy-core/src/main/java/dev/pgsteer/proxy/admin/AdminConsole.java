package dev.pgsteer.proxy.admin;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.tenant.MetadataStoreException;
import dev.pgsteer.config.tenant.TenantExistsException;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.codec.Wire;
import dev.pgsteer.protocol.message.BackendKeyData;
import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.ErrorResponse.Severity;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.proxy.ProxyContext;
import dev.pgsteer.proxy.ProxyErrors;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.client.SessionRelay;
import dev.pgsteer.proxy.tenant.TenantLifecycle;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
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
 * Describe, Execute, Sync without parameters, as pgjdbc sends by default).
 *
 * <p>Messages are handled one at a time, in order: a command whose answer is not ready at once
 * (SHOW CLIENTS asks every session's event loop) holds the ones behind it until it is written.
 * After an error in an extended-protocol batch, messages are skipped up to the Sync, as PostgreSQL does.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-flow.html">Message flow</a>
 */
public final class AdminConsole implements SessionRelay {
    private static final Logger log = LoggerFactory.getLogger(AdminConsole.class);
    private static final short[] TEXT = {};
    /**
     * What the console reports as {@code server_version}: a modern PostgreSQL, so drivers take their
     * usual paths; the console itself speaks only its commands.
     */
    static final String SERVER_VERSION = "17.0 (pgsteer admin console)";

    private final ClientSession session;
    private final Channel client;
    private final ProxyContext context;
    private final AdminCommands commands = new AdminCommands();

    private final ArrayDeque<Frame> pending = new ArrayDeque<>();
    /** A command's answer is on its way; later messages wait. */
    private boolean busy;
    /** An extended-protocol message failed: skip to the Sync. */
    private boolean failedUntilSync;
    private final Map<String, AdminCommands.Parsed> statements = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();

    private record Portal(AdminCommands.Parsed parsed, short[] formats) {
    }

    public AdminConsole(ClientSession session, ProxyContext context) {
        this.session = session;
        this.client = session.channel();
        this.context = context;
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
        parameters.forEach((name, value) -> session.send(new ParameterStatus(name, value)));
        session.send(new BackendKeyData(session.processId(), session.secretKey()));
        session.phase(Phase.READY);
        session.send(ReadyForQuery.IDLE);
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
        byte type = frame.type();
        if (type == 'X') {
            session.phase(Phase.CLOSED);
            client.close();
            return;
        }
        if (failedUntilSync && type != 'S') {
            return;
        }
        ByteBuf body = frame.body();
        switch (type) {
            case 'Q' -> simpleQuery(Wire.readCString(body));
            case 'P' -> parse(body);
            case 'B' -> bind(body);
            case 'D' -> describe(body);
            case 'E' -> execute(body);
            case 'C' -> close(body);
            case 'H' -> client.flush();
            case 'S' -> {
                failedUntilSync = false;
                portals.clear();
                readyForQuery();
            }
            case 'F' -> {
                send(error(SqlState.FEATURE_NOT_SUPPORTED.code(), "the admin console does not call functions", null));
                readyForQuery();
            }
            case 'd', 'c', 'f' -> {
                // COPY data with no COPY under way: PostgreSQL ignores it too.
            }
            default -> session.terminate(ProxyErrors.protocolViolation("invalid frontend message type " + (char) type));
        }
    }

    // --- the simple protocol: one Query, its statements in turn, one ReadyForQuery ---

    private void simpleQuery(String sql) {
        List<String> parts = AdminCommands.split(sql);
        if (parts.isEmpty()) {
            write(ResultEncoder.empty(client.alloc(), 'I'));
            readyForQuery();
            return;
        }
        runStatements(parts, 0);
    }

    private void runStatements(List<String> parts, int from) {
        for (int i = from; i < parts.size(); i++) {
            AdminCommands.Parsed parsed = commands.parse(parts.get(i));
            ErrorResponse refusal = refusal(parsed);
            if (refusal != null) {
                send(refusal);
                readyForQuery();
                return;
            }
            int next = i + 1;
            Boolean written = answer(parsed, TEXT, true, later -> {
                if (later) {
                    runStatements(parts, next);
                } else {
                    readyForQuery();
                }
            });
            if (written == null) {
                return;
            }
            if (!written) {
                readyForQuery();
                return;
            }
        }
        readyForQuery();
    }

    // --- the extended protocol ---

    /** {@code 'P' | int32 len | cstring name | cstring query | int16 n | int32 type * n}. */
    private void parse(ByteBuf body) {
        String name = Wire.readCString(body);
        String query = Wire.readCString(body);
        List<String> parts = AdminCommands.split(query);
        if (parts.size() > 1) {
            fail(error(SqlState.SYNTAX_ERROR.code(), "cannot insert multiple commands into a prepared statement", null));
            return;
        }
        AdminCommands.Parsed parsed = commands.parse(parts.isEmpty() ? "" : parts.getFirst());
        ErrorResponse refusal = refusal(parsed);
        if (refusal != null) {
            fail(refusal);
            return;
        }
        if (!name.isEmpty() && statements.containsKey(name)) {
            fail(error("42P05", "prepared statement \"" + name + "\" already exists", null));
            return;
        }
        statements.put(name, parsed);
        write(ResultEncoder.empty(client.alloc(), '1'));
    }

    /**
     * {@code 'B' | int32 len | cstring portal | cstring statement | int16 n | int16 format * n
     * | int16 m | (int32 len | byte * len) * m | int16 k | int16 resultFormat * k}.
     */
    private void bind(ByteBuf body) {
        String portal = Wire.readCString(body);
        String statement = Wire.readCString(body);
        AdminCommands.Parsed parsed = statements.get(statement);
        if (parsed == null) {
            fail(error("26000", "prepared statement \"" + statement + "\" does not exist", null));
            return;
        }
        body.skipBytes(2 * body.readUnsignedShort());
        int parameters = body.readUnsignedShort();
        if (parameters > 0) {
            fail(error(SqlState.PROTOCOL_VIOLATION.code(), "bind message supplies " + parameters
                    + " parameters, but prepared statement \"" + statement + "\" requires 0", null));
            return;
        }
        short[] formats = new short[body.readUnsignedShort()];
        for (int i = 0; i < formats.length; i++) {
            formats[i] = body.readShort();
        }
        if (parsed instanceof AdminCommands.Parsed.Run run && formats.length > 1
                && formats.length != run.command().columns().size()) {
            fail(error(SqlState.PROTOCOL_VIOLATION.code(), "bind message has " + formats.length
                    + " result formats but query has " + run.command().columns().size() + " columns", null));
            return;
        }
        portals.put(portal, new Portal(parsed, formats));
        write(ResultEncoder.empty(client.alloc(), '2'));
    }

    /** {@code 'D' | int32 len | byte 'S' or 'P' | cstring name}. */
    private void describe(ByteBuf body) {
        byte kind = body.readByte();
        String name = Wire.readCString(body);
        if (kind == 'S') {
            AdminCommands.Parsed parsed = statements.get(name);
            if (parsed == null) {
                fail(error("26000", "prepared statement \"" + name + "\" does not exist", null));
                return;
            }
            write(ResultEncoder.noParameters(client.alloc()));
            describeRows(parsed, TEXT);
        } else {
            Portal portal = portals.get(name);
            if (portal == null) {
                fail(error("34000", "portal \"" + name + "\" does not exist", null));
                return;
            }
            describeRows(portal.parsed(), portal.formats());
        }
    }

    private void describeRows(AdminCommands.Parsed parsed, short[] formats) {
        if (parsed instanceof AdminCommands.Parsed.Run run) {
            write(ResultEncoder.rowDescription(client.alloc(), run.command().columns(), formats));
        } else {
            write(ResultEncoder.empty(client.alloc(), 'n'));
        }
    }

    /** {@code 'E' | int32 len | cstring portal | int32 maxRows}: the whole result, whatever maxRows says. */
    private void execute(ByteBuf body) {
        String name = Wire.readCString(body);
        Portal portal = portals.get(name);
        if (portal == null) {
            fail(error("34000", "portal \"" + name + "\" does not exist", null));
            return;
        }
        Boolean written = answer(portal.parsed(), portal.formats(), false, later -> {
            if (!later) {
                failedUntilSync = true;
            }
        });
        if (Boolean.FALSE.equals(written)) {
            failedUntilSync = true;
        }
    }

    /** {@code 'C' | int32 len | byte 'S' or 'P' | cstring name}: closing what does not exist is no error. */
    private void close(ByteBuf body) {
        byte kind = body.readByte();
        String name = Wire.readCString(body);
        if (kind == 'S') {
            statements.remove(name);
        } else {
            portals.remove(name);
        }
        write(ResultEncoder.empty(client.alloc(), '3'));
    }

    // --- answers ---

    /**
     * Writes the answer to one statement: for a command, RowDescription (simple protocol only),
     * DataRows and CommandComplete. Returns whether it was written (false after an error, already
     * sent), or null when the answer comes later: the caller stops there, and {@code later} gets
     * whether it was written once it is.
     */
    private Boolean answer(AdminCommands.Parsed parsed, short[] formats, boolean describe, Consumer<Boolean> later) {
        switch (parsed) {
            case AdminCommands.Parsed.Empty empty -> {
                write(ResultEncoder.empty(client.alloc(), 'I'));
                return true;
            }
            case AdminCommands.Parsed.Ignored ignored -> {
                session.send(new CommandComplete(ignored.tag()));
                return true;
            }
            case AdminCommands.Parsed.Run run -> {
                CompletableFuture<Result> result;
                try {
                    result = run.command().run(context);
                } catch (RuntimeException e) {
                    result = CompletableFuture.failedFuture(e);
                }
                if (result.isDone()) {
                    return writeResult(run.command(), result, formats, describe);
                }
                busy = true;
                CompletableFuture<Result> pendingResult = result;
                pendingResult.whenComplete((r, e) -> client.eventLoop().execute(() -> {
                    busy = false;
                    if (session.phase() == Phase.CLOSED) {
                        return;
                    }
                    later.accept(writeResult(run.command(), pendingResult, formats, describe));
                    drain();
                }));
                return null;
            }
            case AdminCommands.Parsed.Unknown unknown -> throw new IllegalStateException("refused before: " + unknown);
            case AdminCommands.Parsed.NotACommand sql -> throw new IllegalStateException("refused before: " + sql);
            case AdminCommands.Parsed.Invalid invalid -> throw new IllegalStateException("refused before: " + invalid);
        }
    }

    private boolean writeResult(AdminCommand command, CompletableFuture<Result> done, short[] formats, boolean describe) {
        Result result;
        try {
            result = done.join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            ErrorResponse refused = cause instanceof CommandError error ? error.error() : refusalOf(command, cause);
            if (refused != null) {
                log.info("{}: {} refused: {}", session.id(), command.name(), refused.message());
                send(refused);
                return false;
            }
            log.warn("{}: {} failed", session.id(), command.name(), cause);
            send(error(SqlState.INTERNAL_ERROR.code(), command.name() + " failed: " + cause, null));
            return false;
        }
        if (describe) {
            write(ResultEncoder.rowDescription(client.alloc(), result.columns(), formats));
        }
        for (List<Object> row : result.rows()) {
            write(ResultEncoder.dataRow(client.alloc(), result.columns(), row, formats));
        }
        session.send(new CommandComplete(result.tag()));
        return true;
    }

    /** The error of a command that could not do what it was asked, or null for a failure of pgsteer's own. */
    private static ErrorResponse refusalOf(AdminCommand command, Throwable cause) {
        return switch (cause) {
            case AdminCommandException e -> error(e.sqlState(), e.getMessage(), e.hint());
            case TenantLifecycle.Refused e -> error(e.sqlState(), e.getMessage(), null);
            case TenantExistsException e -> error("42710", e.getMessage(), null);
            case MetadataStoreException e -> error("58000", command.name() + ": " + e.getMessage(),
                    "the directory is unchanged; retry once the metadata store answers (SHOW METADATA)");
            default -> null;
        };
    }

    /** The error for a statement the console does not run, or null when it runs it. */
    private ErrorResponse refusal(AdminCommands.Parsed parsed) {
        return switch (parsed) {
            case AdminCommands.Parsed.Unknown unknown -> error(SqlState.SYNTAX_ERROR.code(),
                    "unknown admin console command: " + unknown.text(),
                    "The commands are " + commands.names() + ".");
            case AdminCommands.Parsed.NotACommand sql -> error(SqlState.FEATURE_NOT_SUPPORTED.code(),
                    "the admin console runs only its own commands, not SQL: " + abbreviated(sql.text()),
                    "Connect to one of pgsteer's databases to run SQL. Here the commands are " + commands.names() + ".");
            case AdminCommands.Parsed.Invalid invalid -> error(invalid.error().sqlState(), invalid.error().getMessage(),
                    invalid.error().hint());
            default -> null;
        };
    }

    private static String abbreviated(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    private static ErrorResponse error(String sqlState, String message, String hint) {
        return ErrorResponse.of(Severity.ERROR, sqlState, message, null, hint);
    }

    /** An error inside an extended-protocol batch: the rest of it is skipped up to its Sync. */
    private void fail(ErrorResponse error) {
        send(error);
        failedUntilSync = true;
    }

    private void send(ErrorResponse error) {
        session.send(error);
    }

    private void readyForQuery() {
        session.send(ReadyForQuery.IDLE);
    }

    private void write(ByteBuf message) {
        client.write(message, client.voidPromise());
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
        session.phase(Phase.CLOSED);
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
