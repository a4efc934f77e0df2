package dev.pgsteer.proxy.sharding;

import dev.pgsteer.config.KeyType;
import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.codec.Frame;
import dev.pgsteer.protocol.codec.StatementFrames;
import dev.pgsteer.protocol.codec.Wire;
import dev.pgsteer.protocol.message.BackendKeyData;
import dev.pgsteer.protocol.message.CommandComplete;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.ParameterStatus;
import dev.pgsteer.protocol.message.Query;
import dev.pgsteer.protocol.message.ReadyForQuery;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.ProxyErrors;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.ConnectionStateWatch;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.client.ReportedParameters;
import dev.pgsteer.proxy.client.SessionRelay;
import dev.pgsteer.proxy.sharding.copy.CopyRowSplitter;
import dev.pgsteer.proxy.sharding.copy.CopySplit;
import dev.pgsteer.proxy.sharding.execute.ExtendedSender;
import dev.pgsteer.proxy.sharding.execute.Futures;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.execute.ShardRequest;
import dev.pgsteer.proxy.sharding.execute.SimpleSender;
import dev.pgsteer.proxy.sharding.execute.StatementSender;
import dev.pgsteer.proxy.sharding.extended.BindValues;
import dev.pgsteer.proxy.sharding.extended.Portal;
import dev.pgsteer.proxy.sharding.extended.Prepared;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.command.CopyStatement;
import dev.pgsteer.router.command.RouteContext;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.RoutingException;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client session on a sharded logical database. Each unit the client sends (a simple Query, or
 * extended-protocol messages up to a Sync) is handled in turn; each statement in it is planned by
 * the database's router and runs on the shards its route names, over connections leased for it
 * (or for the transaction), and their answers are combined into one ({@link ShardRequest}).
 *
 * <pre>
 *   transaction:  NONE ──BEGIN──► EXPLICIT ──COMMIT/ROLLBACK──► NONE
 *                   │                 (an error: failed, 'E', until ROLLBACK [TO])
 *                   └─ a unit that writes on several shards, or runs several statements ─► IMPLICIT
 *                      ──end of the unit──► commit (two-phase across shards) or roll back ──► NONE
 * </pre>
 *
 * Connections are held while a transaction is open and given back at its end, unless the session
 * changed what cannot follow it (LISTEN, a temporary table): then it keeps them (pinned). Settings
 * follow it: after a transaction that changed some, they are read back from its connections.
 */
public final class ShardedSession implements BackendListener, SessionRelay {
    private static final Logger log = LoggerFactory.getLogger(ShardedSession.class);

    private final ClientSession session;
    private final Channel client;
    private final ShardedDatabase database;
    private final ShardLeases links;
    private final ArrayDeque<Frame> inbox = new ArrayDeque<>();
    private boolean busy;
    private boolean unitFailed;
    private ShardRequest exchange;
    private ShardLink copyIn;
    /** The client is in COPY FROM STDIN through {@link #copyIn}: it has not sent its CopyDone or CopyFail yet. */
    private boolean copyInOpen;
    private CopySplit copySplit;
    private final ShardTransaction transaction;
    private boolean pinned;
    /** What the session's statements do to state on its connections (settings, what pins). */
    private final ConnectionStateWatch watch = new ConnectionStateWatch();
    /** The settings the shards report (ParameterStatus), as the first connection told them. */
    private Map<String, String> reported = Map.of();
    private final Map<String, Prepared> prepared = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();
    /**
     * Portals whose statement returns no rows and ran at an Execute. PostgreSQL runs such a portal
     * once: another Execute of it is an error (55000), not a second run.
     */
    private final Set<String> portalsRun = new HashSet<>();
    /** Portals suspended by Execute with a row limit, and the shard that holds each. */
    private final Map<String, ShardLink> suspended = new HashMap<>();

    public ShardedSession(ClientSession session, ShardedDatabase database) {
        this.session = session;
        this.client = session.channel();
        this.database = database;
        this.links = new ShardLeases(database::pool, this, client.eventLoop(), session.settings());
        this.transaction = new ShardTransaction(links, database.twoPhaseCommit(), client.eventLoop(), this);
    }

    private EventLoop loop() {
        return client.eventLoop();
    }

    @Override
    public EventExecutor executor() {
        return client.eventLoop();
    }

    // --- login: the default shard confirms the database is there and tells the parameters ---

    @Override
    public void connect() {
        client.config().setAutoRead(false);
        String shard = database.config().defaultShard();
        links.acquire(List.of(shard), null).addListener(f -> {
            if (!f.isSuccess()) {
                session.terminate(ProxyErrors.of(f.cause(), ErrorResponse.Severity.FATAL));
                return;
            }
            @SuppressWarnings("unchecked")
            BackendConnection connection = ((List<ShardLink>) f.getNow()).getFirst().connection();
            reported = Map.copyOf(connection.loginParameters());
            connection.loginParameters().keySet().forEach(name ->
                    session.send(new ParameterStatus(ReportedParameters.canonical(name), connection.currentSettings().get(name))));
            session.send(new BackendKeyData(session.processId(), session.secretKey()));
            session.send(ReadyForQuery.IDLE);
            links.releaseAll();
            client.flush();
            if (session.phase() != Phase.CLOSED) {
                session.phase(Phase.READY);
                updateAutoRead();
            }
        });
    }

    // --- frames from the client ---

    @Override
    public void onClientFrame(Frame frame) {
        byte type = frame.type();
        if (type == 'X') {
            frame.release();
            session.phase(Phase.CLOSED);
            client.close();
            return;
        }
        if (copySplit != null || copyInOpen) {
            duringCopyIn(frame);
            return;
        }
        inbox.add(frame);
        drain();
    }

    /**
     * A client's frame while it is in COPY FROM STDIN (from the CopyInResponse to its CopyDone or
     * CopyFail), handled as PostgreSQL's CopyGetData does: copy messages go to the COPY, Flush and
     * Sync are ignored (a driver may send them not knowing its statement was a COPY), and any other
     * message ends the session, since the client and the server no longer agree on where it stands.
     */
    private void duringCopyIn(Frame frame) {
        byte type = frame.type();
        switch (type) {
            case 'd', 'c', 'f' -> {
                if (copySplit != null) {
                    copyData(frame);
                    return;
                }
                copyIn.connection().write(frame);
                if (type != 'd') {
                    copyInOpen = false;
                    copyIn.connection().flush();
                }
            }
            case 'H', 'S' -> frame.release();
            default -> {
                frame.release();
                client.write(ErrorResponse.of(ErrorResponse.Severity.ERROR, SqlState.PROTOCOL_VIOLATION,
                        String.format("unexpected message type 0x%02X during COPY from stdin", type & 0xff)), client.voidPromise());
                session.terminate(ProxyErrors.protocolViolation("terminating connection because protocol synchronization was lost"));
            }
        }
    }

    @Override
    public void onClientReadComplete() {
        links.flush();
    }

    @Override
    public void onClientWritabilityChanged() {
        for (ShardLink link : links.all()) {
            link.connection().setAutoRead(client.isWritable());
        }
    }

    private void drain() {
        while (!busy && !inbox.isEmpty() && session.phase() == Phase.READY) {
            Frame first = inbox.peek();
            if (unitFailed && (first.type() == 'Q' || first.type() == 'F')) {
                // An extended-protocol error skips everything up to its Sync, a Query too, as in PostgreSQL.
                inbox.poll().release();
                continue;
            }
            switch (first.type()) {
                case 'Q' -> {
                    inbox.poll();
                    busy = true;
                    String sql = Query.decode(first.body()).sql();
                    first.release();
                    dropPortals();
                    simpleQuery(sql);
                }
                case 'P', 'B', 'D', 'E', 'C', 'H', 'S' -> {
                    List<Frame> unit = takeExtendedUnit();
                    if (unit == null) {
                        return;
                    }
                    busy = true;
                    extended(unit, 0);
                }
                case 'F' -> {
                    inbox.poll();
                    first.release();
                    dropPortals();
                    busy = true;
                    fail("0A000", "function calls (the protocol's FunctionCall) are not supported on a sharded database");
                    endUnit(true);
                }
                default -> {
                    // Copy data after a failed COPY, as a backend does: ignored.
                    inbox.poll().release();
                }
            }
        }
        updateAutoRead();
    }

    /**
     * A Query or FunctionCall inside an extended-protocol batch runs in its turn, as in PostgreSQL,
     * and ends the batch's transaction: the portals go (the unnamed statement too), as at a commit.
     */
    private void dropPortals() {
        portals.values().forEach(p -> p.bind().release());
        portals.clear();
        portalsRun.clear();
        prepared.remove("");
    }

    /**
     * The frames up to and including the next Sync or Flush, or up to a Query or FunctionCall that
     * comes first (which is not part of it); null if neither has come yet.
     */
    private List<Frame> takeExtendedUnit() {
        int size = 0;
        boolean complete = false;
        for (Frame f : inbox) {
            if (f.type() == 'Q' || f.type() == 'F') {
                complete = true;
                break;
            }
            size++;
            if (f.type() == 'S' || f.type() == 'H') {
                complete = true;
                break;
            }
        }
        if (!complete) {
            return null;
        }
        List<Frame> unit = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            unit.add(inbox.poll());
        }
        return unit;
    }

    private void updateAutoRead() {
        boolean read = session.phase() == Phase.READY && (!busy || copyIn != null || copySplit != null);
        if (client.config().isAutoRead() != read) {
            client.config().setAutoRead(read);
        }
    }

    // --- units ---

    private void simpleQuery(String sql) {
        List<LexedStatement> statements = SqlLexer.statements(sql);
        if (statements.isEmpty()) {
            client.write(ResultWriter.empty(client.alloc(), 'I'), client.voidPromise());
            endUnit(true);
            return;
        }
        if (statements.size() > 1) {
            // PostgreSQL runs a multi-statement query string as one transaction.
            transaction.startImplicit();
        }
        runStatements(statements, 0);
    }

    private void runStatements(List<LexedStatement> statements, int index) {
        if (index == statements.size() || unitFailed || session.phase() == Phase.CLOSED) {
            endUnit(true);
            return;
        }
        LexedStatement statement = statements.get(index);
        statement(statement, new SimpleSender(statement), () -> runStatements(statements, index + 1));
    }

    /**
     * Ends the unit: at a Sync (or the end of a Query) an implicit transaction commits or rolls
     * back, connections go back unless a transaction or a pin holds them, and ReadyForQuery tells
     * the session's status.
     */
    private void endUnit(boolean sync) {
        if (!sync) {
            client.flush();
            busy = false;
            drain();
            return;
        }
        Runnable finish = () -> {
            if (transaction.mode() == ShardTransaction.Mode.NONE && !pinned) {
                if (watch.captureDue() && !links.isEmpty()) {
                    captureThenRelease(this::finishUnit);
                    return;
                }
                links.releaseAll();
            }
            finishUnit();
        };
        if (transaction.mode() == ShardTransaction.Mode.IMPLICIT) {
            transaction.end();
            Future<Void> ended = unitFailed ? transaction.rollback() : transaction.commit();
            ended.addListener(f -> {
                if (!f.isSuccess()) {
                    client.write(ProxyErrors.of(f.cause(), ErrorResponse.Severity.ERROR), client.voidPromise());
                }
                finish.run();
            });
        } else {
            finish.run();
        }
    }

    /** The unit's portals go, and ReadyForQuery tells the session's status; the next unit may start. */
    private void finishUnit() {
        portals.values().forEach(p -> p.bind().release());
        portals.clear();
        portalsRun.clear();
        session.transactionStatus(status());
        client.write(new ReadyForQuery(status()), client.voidPromise());
        client.flush();
        unitFailed = false;
        busy = false;
        drain();
    }

    /**
     * The transaction is over and the session changed settings the shards do not report: each
     * connection's are read back before it goes to the pool. The session carries what the first
     * says (a SET reaches every shard alike); each connection is known to carry what it says.
     */
    private void captureThenRelease(Runnable then) {
        List<ShardLink> held = List.copyOf(links.all());
        String sql = session.settings().captureStatement(watch.captureNames(), watch.captureAll(), reported);
        List<Future<List<List<String>>>> reads = new ArrayList<>();
        held.forEach(link -> reads.add(link.connection().queryInternal(sql, loop(), TransactionStatus.IDLE)));
        Futures.whenAll(reads, loop()).addListener(all -> {
            boolean adopted = false;
            for (int i = 0; i < held.size(); i++) {
                ShardLink link = held.get(i);
                Future<List<List<String>>> read = reads.get(i);
                if (!read.isSuccess()) {
                    log.warn("{}: could not read the session's settings on {}: {}", session.id(), link, read.cause().getMessage());
                    links.lost(link);
                } else if (!adopted) {
                    session.settings().captured(read.getNow(), link.connection());
                    adopted = true;
                } else {
                    session.settings().observed(read.getNow(), link.connection());
                }
            }
            watch.captured();
            links.releaseAll();
            then.run();
        });
    }
    private TransactionStatus status() {
        return transaction.status();
    }

    private void fail(String sqlState, String message) {
        fail(ErrorResponse.of(ErrorResponse.Severity.ERROR, sqlState, message, null, null));
    }

    private void fail(ErrorResponse error) {
        client.write(error, client.voidPromise());
        statementFailed();
    }

    /** The rest of the unit is skipped, and an explicit transaction is aborted, as in PostgreSQL. */
    private void statementFailed() {
        unitFailed = true;
        transaction.statementFailed();
    }

    private void complete(String tag) {
        client.write(new CommandComplete(tag), client.voidPromise());
    }

    private void notice(String sqlState, String message) {
        client.write(ErrorResponse.of(ErrorResponse.Severity.WARNING, sqlState, message, null, null), client.voidPromise());
    }

    // --- one statement ---

    /**
     * Asks the router what the statement is (planning its shape off the event loop when it is new),
     * then executes the answer; calls {@code next} when its answer is written.
     */
    private void statement(LexedStatement statement, StatementSender sender, Runnable next) {
        String pinReason = watch.onText(statement.text(), reported,
                session.settings().backslashQuotes());
        if (pinReason != null) {
            pin(pinReason);
        }
        // One router for the whole decision: a reload meanwhile must not resolve an old plan with a new map.
        Router router = database.router();
        KeySource.Placeholders values = sender.values();
        Command command = router.routeIfPlanned(statement, values, context(sender));
        if (log.isTraceEnabled()) {
            log.trace("{}: planning {} ({})", session.id(), statement.shape(), command != null ? "cached" : "new shape");
        }
        if (command != null) {
            execute(statement, sender, command, next);
            return;
        }
        database.planner().execute(() -> {
            Analysis plan = router.plan(statement);
            loop().execute(() -> {
                if (session.phase() != Phase.CLOSED) {
                    execute(statement, sender, router.route(statement, values, context(sender), plan), next);
                }
            });
        });
    }

    private RouteContext context(StatementSender sender) {
        return new RouteContext(links.heldShards(), transaction.isFailed(), sender.extended());
    }

    /** Does what the router answered. */
    private void execute(LexedStatement statement, StatementSender sender, Command command, Runnable next) {
        switch (command) {
            case Command.Run run -> routed(statement, sender, run.route(), next);
            case Command.Begin begin -> begin(statement.text(), next);
            case Command.Commit commit -> commitStatement(next);
            case Command.Rollback rollback -> rollbackStatement(next);
            case Command.Savepoint savepoint -> savepointCommand(statement.text(), savepoint.tag(), next);
            case Command.TransactionSetting setting -> {
                transaction.alsoOnJoin(statement.text());
                routed(statement, sender, setting.route(), next);
            }
            case Command.SessionSetting setting ->
                    // Every shard gets it now; the watch has read what it does (a SET to carry, a RESET whose
                    // startup values go back, SET SESSION AUTHORIZATION that pins).
                    routed(statement, sender, setting.route(), () -> restoreStartup(next));
            case Command.Discard discard -> {
                prepared.clear();
                // DISCARD ALL (or PLANS) drops what pgsteer prepared on the connections too.
                routed(statement, sender, discard.route(), () -> {
                    links.all().forEach(link -> link.connection().preparedStatements().clear());
                    restoreStartup(next);
                });
            }
            case Command.Listen listen -> {
                pin(statement.firstKeyword());
                routed(statement, sender, listen.route(), next);
            }
            case Command.Deallocate deallocate -> {
                if (deallocate.all()) {
                    prepared.clear();
                }
                complete(deallocate.tag());
                next.run();
            }
            case Command.Explain explain -> {
                if (explain.shards().size() > 1) {
                    notice("01000", "pgsteer: this statement runs on shards " + String.join(", ", explain.shards())
                            + "; the plan shown is shard " + explain.shards().getFirst() + "'s");
                }
                routed(statement, sender, explain.route(), next);
            }
            case Command.ExplainRoute explainRoute -> explainRoute(explainRoute.route(), sender, next);
            case Command.CopyIntoShards copy -> copyIntoShards(statement, copy.copy(), copy.table(), next);
            case Command.Refused refused -> {
                fail(refused.sqlState(), refused.reason());
                next.run();
            }
        }
    }

    /**
     * After DDL, the key types of sharded tables that did not exist at start are read from the shard's
     * catalog (on the connection that ran the DDL, so an uncommitted CREATE TABLE is seen), before the
     * client's next statement is routed: a key hashes by its column's type.
     */
    private void learnKeyTypes(ShardLink link, Runnable next) {
        List<TableConfig.Sharded> unknown = database.tablesOfUnknownKeyType();
        if (unknown.isEmpty() || !link.connection().isUsable()) {
            next.run();
            return;
        }
        StringBuilder sql = new StringBuilder();
        for (TableConfig.Sharded table : unknown) {
            sql.append(sql.isEmpty() ? "" : " UNION ALL ")
                    .append("SELECT ").append(literal(table.name())).append(", pg_catalog.format_type(atttypid, NULL)")
                    .append(" FROM pg_catalog.pg_attribute WHERE attrelid = pg_catalog.to_regclass(")
                    .append(literal("\"" + table.name().replace("\"", "\"\"") + "\"")).append(") AND attname = ")
                    .append(literal(table.key())).append(" AND NOT attisdropped");
        }
        link.connection().queryInternal(sql.toString(), loop(), link.status()).addListener(f -> {
            if (link.connection().isUsable()) {
                link.connection().attach(this);
            }
            if (f.isSuccess()) {
                @SuppressWarnings("unchecked")
                List<List<String>> rows = (List<List<String>>) f.getNow();
                for (List<String> row : rows) {
                    KeyType.ofSqlType(row.get(1)).ifPresentOrElse(
                            type -> database.learned(row.get(0), type),
                            () -> log.warn("{}: the key of sharded table {} is of type {}, which pgsteer cannot shard by",
                                    session.id(), row.get(0), row.get(1)));
                }
            } else {
                log.warn("{}: could not read the key types of new sharded tables: {}", session.id(), f.cause().getMessage());
            }
            next.run();
        });
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /** Runs a routed statement on its shards and writes the combined answer. */
    private void routed(LexedStatement statement, StatementSender sender, Route route, Runnable next) {
        long started = System.nanoTime();
        boolean transactional = route.kind() != StatementKind.NON_TRANSACTIONAL;
        if (transactional && route.shards().size() > 1 && route.kind() != StatementKind.READ) {
            // A change on several shards commits on all or none: pgsteer opens the transaction.
            transaction.startImplicit();
        }
        if (!transactional && transaction.mode() != ShardTransaction.Mode.NONE) {
            fail("25001", statement.firstKeyword() + " cannot run inside a transaction block");
            next.run();
            return;
        }
        if (log.isTraceEnabled()) {
            log.trace("{}: {} -> {} ({})", session.id(), statement.firstKeyword(), route.shards(), route.why());
        }
        links.acquire(route.shards(), transaction.beginStatement()).addListener(f -> {
            if (log.isTraceEnabled()) {
                log.trace("{}: shards {} ready: {}", session.id(), route.shards(), f.isSuccess() ? "yes" : f.cause());
            }
            if (session.phase() == Phase.CLOSED) {
                return;
            }
            if (!f.isSuccess()) {
                fail(ProxyErrors.of(f.cause(), ErrorResponse.Severity.ERROR));
                next.run();
                return;
            }
            @SuppressWarnings("unchecked")
            List<ShardLink> targets = (List<ShardLink>) f.getNow();
            exchange = new ShardRequest(client, targets, route.answer(), sender.extended(), route.merge(), sender.describe(), ex -> {
                database.statementDone(route, started);
                database.slowStatements().took(session.id(), System.nanoTime() - started, statement.text());
                exchange = null;
                copyIn = null;
                copyInOpen = false;
                for (ShardLink link : ex.links()) {
                    if (link.status() == TransactionStatus.FAILED) {
                        transaction.statementFailed();
                    }
                }
                if (ex.failed()) {
                    if (sender instanceof ExtendedSender extended) {
                        extended.forgetFreshlyPrepared();
                    }
                    statementFailed();
                    next.run();
                } else if (route.kind() == StatementKind.DDL) {
                    learnKeyTypes(ex.links().getFirst(), next);
                } else {
                    next.run();
                }
            });
            for (ShardLink link : targets) {
                sender.send(link, route, exchange);
                link.connection().flush();
            }
        });
    }

    // --- transactions ---

    private void begin(String text, Runnable next) {
        if (!transaction.beginExplicit(text)) {
            notice("25001", "there is already a transaction in progress");
        }
        complete("BEGIN");
        next.run();
    }

    private void commitStatement(Runnable next) {
        if (transaction.mode() != ShardTransaction.Mode.EXPLICIT) {
            notice("25P01", "there is no transaction in progress");
            complete("COMMIT");
            next.run();
            return;
        }
        boolean failed = transaction.isFailed();
        transaction.end();
        // COMMIT of a failed transaction rolls it back, and says so, as in PostgreSQL.
        (failed ? transaction.rollback() : transaction.commit()).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ProxyErrors.of(f.cause(), ErrorResponse.Severity.ERROR));
            } else {
                complete(failed ? "ROLLBACK" : "COMMIT");
            }
            next.run();
        });
    }

    private void rollbackStatement(Runnable next) {
        if (transaction.mode() != ShardTransaction.Mode.EXPLICIT) {
            notice("25P01", "there is no transaction in progress");
        }
        transaction.end();
        transaction.rollback().addListener(f -> {
            complete("ROLLBACK");
            next.run();
        });
    }

    private void savepointCommand(String text, String tag, Runnable next) {
        if (transaction.mode() != ShardTransaction.Mode.EXPLICIT) {
            fail("25P01", tag + (tag.equals("ROLLBACK") ? " TO SAVEPOINT" : tag.equals("RELEASE") ? " SAVEPOINT" : "")
                    + " can only be used in transaction blocks");
            next.run();
            return;
        }
        transaction.savepoint(text, tag).addListener(f -> {
            if (f.isSuccess()) {
                complete(tag);
            } else {
                fail(ProxyErrors.of(f.cause(), ErrorResponse.Severity.ERROR));
            }
            next.run();
        });
    }

    // --- settings, EXPLAIN, COPY, maintenance ---

    /**
     * After a RESET, RESET ALL or DISCARD ALL the shards hold pgsteer's login values: the session's
     * startup values of what was reset go back on each, in the transaction the RESET ran in.
     */
    private void restoreStartup(Runnable next) {
        if (!watch.restoreDue()) {
            next.run();
            return;
        }
        String restore = unitFailed ? null
                : session.settings().restoreStartupStatement(watch.restoreAll(), watch.restoreNames());
        boolean all = watch.restoreAll();
        Set<String> names = Set.copyOf(watch.restoreNames());
        watch.restored();
        if (restore == null || links.isEmpty()) {
            next.run();
            return;
        }
        List<ShardLink> held = List.copyOf(links.all());
        List<Future<Void>> runs = new ArrayList<>();
        held.forEach(link -> runs.add(link.connection().runInternal(restore, loop(), reportedStatus -> { }, link.status())));
        Futures.whenAll(runs, loop()).addListener(done -> {
            for (int i = 0; i < held.size(); i++) {
                ShardLink link = held.get(i);
                if (runs.get(i).isSuccess()) {
                    session.settings().restoredStartup(link.connection(), all, names);
                    link.connection().attach(this);
                } else if (!link.connection().isUsable()) {
                    links.lost(link);
                } else {
                    link.connection().attach(this);
                    log.warn("{}: could not put startup settings back on {}: {}", session.id(), link, runs.get(i).cause().getMessage());
                }
            }
            next.run();
        });
    }

    private void pin(String reason) {
        if (!pinned) {
            pinned = true;
            session.markPinned(reason);
            log.info("{}: pinned to its shard connections by {}", session.id(), reason);
        }
    }

    /** EXPLAIN ROUTE statement: where the statement would run and why, without running it. */
    private void explainRoute(Route route, StatementSender sender, Runnable next) {
        if (sender.describe()) {
            client.write(ResultWriter.rowDescription(client.alloc(), List.of("shards", "answer", "reason")), client.voidPromise());
        }
        client.write(ResultWriter.dataRow(client.alloc(), List.of(String.join(", ", route.shards()),
                route.answer().name().toLowerCase(Locale.ROOT), route.why())), client.voidPromise());
        for (Map.Entry<String, String> rewritten : route.textByShard().entrySet()) {
            client.write(ResultWriter.dataRow(client.alloc(), List.of(rewritten.getKey(), "runs", rewritten.getValue())),
                    client.voidPromise());
        }
        complete("EXPLAIN ROUTE " + (1 + route.textByShard().size()));
        next.run();
    }

    /**
     * COPY FROM STDIN into a sharded table: every shard runs the COPY (in one transaction with the
     * others), and each row goes to its key's shard.
     */
    private void copyIntoShards(LexedStatement statement, CopyStatement copy, TableConfig.Sharded table, Runnable next) {
        transaction.startImplicit();
        columnsOf(copy, columns -> {
            int keyField = columns.indexOf(table.key());
            if (keyField < 0) {
                fail("42P10", "COPY into sharded table " + table.name() + " must include its shard key " + table.key()
                        + " among the columns (" + String.join(", ", columns) + ")");
                next.run();
                return;
            }
            CopyStatement.Options o = copy.options();
            CopyRowSplitter splitter = new CopyRowSplitter(o.csv(), o.delimiter(), o.quote(), o.escape(), o.nullText(), keyField, o.header());
            List<String> shards = database.config().shards();
            links.acquire(shards, transaction.beginStatement()).addListener(f -> {
                if (!f.isSuccess()) {
                    fail(ProxyErrors.of(f.cause(), ErrorResponse.Severity.ERROR));
                    next.run();
                    return;
                }
                @SuppressWarnings("unchecked")
                List<ShardLink> targets = (List<ShardLink>) f.getNow();
                exchange = new ShardRequest(client, targets, Answer.COMBINE, false, ex -> {
                    exchange = null;
                    copySplit = null;
                    if (ex.failed()) {
                        statementFailed();
                    }
                    updateAutoRead();
                    next.run();
                });
                copySplit = new CopySplit(splitter, table, database.router().shards(), targets);
                for (ShardLink link : targets) {
                    Channel channel = link.connection().channel();
                    channel.write(new Query(statement.text()), channel.voidPromise());
                    link.connection().flush();
                }
                updateAutoRead();
            });
        }, next);
    }

    /** The COPY's column list, or the table's columns in order, asked of the default shard. */
    private void columnsOf(CopyStatement copy, Consumer<List<String>> then, Runnable next) {
        if (copy.columns() != null) {
            then.accept(copy.columns());
            return;
        }
        onShard(database.config().defaultShard(), link -> {
            String sql = "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = pg_catalog.to_regclass('\""
                    + copy.table().replace("'", "''").replace("\"", "\"\"") + "\"') AND attnum > 0 AND NOT attisdropped ORDER BY attnum";
            link.connection().queryInternal(sql, loop(), link.status()).addListener(q -> {
                if (link.connection().isUsable()) {
                    link.connection().attach(this);
                }
                if (!q.isSuccess()) {
                    fail(ProxyErrors.of(q.cause(), ErrorResponse.Severity.ERROR));
                    next.run();
                    return;
                }
                @SuppressWarnings("unchecked")
                List<List<String>> rows = (List<List<String>>) q.getNow();
                if (rows.isEmpty()) {
                    fail("42P01", "relation \"" + copy.table() + "\" does not exist");
                    next.run();
                    return;
                }
                then.accept(rows.stream().map(List::getFirst).toList());
            });
        }, next);
    }

    /** A client's CopyData, CopyDone or CopyFail during a COPY into a sharded table. */
    private void copyData(Frame frame) {
        CopySplit split = copySplit;
        byte type = frame.type();
        RoutingException failure = null;
        try {
            switch (type) {
                case 'd' -> failure = split.data(frame.body());
                case 'c' -> {
                    failure = split.done();
                    if (failure == null) {
                        copySplit = null;
                    }
                }
                default -> {
                    ByteBuf body = frame.body();
                    int end = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
                    if (end < 0) {
                        // As PostgreSQL's COPY reads a CopyFail whose message has no end: the COPY fails, not the session.
                        failure = new RoutingException(SqlState.PROTOCOL_VIOLATION.code(), "invalid string in message");
                    } else {
                        split.fail("COPY from stdin failed: " + body.toString(body.readerIndex(), end - body.readerIndex(),
                                java.nio.charset.StandardCharsets.UTF_8));
                        copySplit = null;
                    }
                }
            }
        } finally {
            frame.release();
        }
        if (failure != null) {
            // The client hears pgsteer's reason; the shards only hear that the COPY is off.
            client.write(ErrorResponse.of(ErrorResponse.Severity.ERROR, failure.sqlState(), failure.getMessage(), null, null),
                    client.voidPromise());
            client.flush();
            if (exchange != null) {
                exchange.suppressErrors();
            }
            split.fail("pgsteer: " + failure.getMessage());
            copySplit = null;
        }
        updateAutoRead();
    }

    // --- the extended protocol ---

    /** Handles the unit's messages in order from {@code index}; each may wait for shards. */
    private void extended(List<Frame> unit, int index) {
        while (index < unit.size()) {
            Frame frame = unit.get(index);
            byte type = frame.type();
            if (unitFailed && type != 'S') {
                frame.release();
                index++;
                continue;
            }
            int following = index + 1;
            switch (type) {
                case 'P' -> {
                    String name = StatementFrames.parseName(frame);
                    ByteBuf tail = StatementFrames.parseTail(frame);
                    String sql = Wire.readCString(tail.duplicate());
                    if (!name.isEmpty() && prepared.containsKey(name)) {
                        frame.release();
                        fail("42P05", "prepared statement \"" + name + "\" already exists");
                        index++;
                        continue;
                    }
                    prepared.put(name, new Prepared(SqlLexer.statement(sql), ByteBufUtil.getBytes(tail),
                            name.isEmpty() ? null : database.statements().nameFor(tail)));
                    frame.release();
                    client.write(ResultWriter.empty(client.alloc(), '1'), client.voidPromise());
                }
                case 'B' -> {
                    BindValues values;
                    try {
                        values = new BindValues(frame);
                    } catch (RuntimeException e) {
                        frame.release();
                        fail("08P01", "invalid Bind message: " + e.getMessage());
                        index++;
                        continue;
                    }
                    Prepared statement = prepared.get(values.statement());
                    if (statement == null) {
                        frame.release();
                        fail("26000", "prepared statement \"" + values.statement() + "\" does not exist");
                        index++;
                        continue;
                    }
                    Portal old = portals.put(values.portal(), new Portal(statement, frame, values));
                    portalsRun.remove(values.portal());
                    if (old != null) {
                        old.bind().release();
                    }
                    client.write(ResultWriter.empty(client.alloc(), '2'), client.voidPromise());
                }
                case 'D' -> {
                    byte kind = StatementFrames.targetKind(frame);
                    String name = StatementFrames.targetName(frame);
                    frame.release();
                    if (kind == 'P' && following < unit.size() && unit.get(following).type() == 'E') {
                        // Answered with the Execute that follows, by the shards that run it.
                        Frame execute = unit.get(following);
                        execute(unit, following + 1, execute, name, true);
                        return;
                    }
                    describe(kind, name, () -> extended(unit, following));
                    return;
                }
                case 'E' -> {
                    String portalName = Wire.readCString(frame.body());
                    execute(unit, following, frame, portalName, false);
                    return;
                }
                case 'C' -> {
                    byte kind = StatementFrames.targetKind(frame);
                    String name = StatementFrames.targetName(frame);
                    frame.release();
                    if (kind == 'S') {
                        prepared.remove(name);
                    } else {
                        Portal portal = portals.remove(name);
                        portalsRun.remove(name);
                        if (portal != null) {
                            portal.bind().release();
                        }
                        suspended.remove(name);
                    }
                    client.write(ResultWriter.empty(client.alloc(), '3'), client.voidPromise());
                }
                case 'S', 'H' -> {
                    frame.release();
                    endUnit(type == 'S');
                    return;
                }
                default -> frame.release();
            }
            index++;
        }
        // A Query or FunctionCall came before any Sync or Flush: the batch so far is answered, as at a
        // Flush, and the Query runs next (skipped, as in PostgreSQL, if the batch failed).
        endUnit(false);
    }

    private void execute(List<Frame> unit, int following, Frame execute, String portalName, boolean describe) {
        int maxRows = StatementFrames.executeMaxRows(execute);
        Portal portal = portals.get(portalName);
        Runnable next = () -> {
            execute.release();
            extended(unit, following);
        };
        if (portal == null) {
            ShardLink holder = suspended.get(portalName);
            if (holder == null || !links.all().contains(holder)) {
                fail("34000", "portal \"" + portalName + "\" does not exist");
                next.run();
                return;
            }
            routed(SqlLexer.statement("FETCH"), new ExtendedSender(null, portalName, false, execute, maxRows, suspended),
                    Route.one(holder.shard(), StatementKind.READ, "suspended portal"), next);
            return;
        }
        if (portalsRun.contains(portalName)) {
            fail("55000", "portal \"" + portalName + "\" cannot be run");
            next.run();
            return;
        }
        if (countExecutes(unit, following) > 0) {
            // Several statements before one Sync are one transaction in PostgreSQL.
            transaction.startImplicit();
        }
        Runnable ran = () -> {
            if (returnsNoRows(portal.prepared().statement())) {
                portalsRun.add(portalName);
            }
            next.run();
        };
        statement(portal.prepared().statement(), new ExtendedSender(portal, portalName, describe, execute, maxRows, suspended), ran);
    }

    /**
     * A statement that returns no rows (a change without RETURNING, a command) runs to its end at its
     * portal's first Execute, whatever the row limit: PostgreSQL refuses to run that portal again.
     * One that may return rows can be continued or answers no more rows, so it is not counted here.
     */
    private static boolean returnsNoRows(LexedStatement statement) {
        return switch (statement.firstKeyword()) {
            case "SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "FETCH", "CALL", "COPY" -> false;
            default -> !statement.text().toUpperCase(Locale.ROOT).contains("RETURNING");
        };
    }

    private static int countExecutes(List<Frame> unit, int from) {
        int count = 0;
        for (int i = from; i < unit.size(); i++) {
            if (unit.get(i).type() == 'E') {
                count++;
            }
        }
        return count;
    }

    /** Describe of a statement, or of a portal without its Execute: asked of one shard. */
    private void describe(byte kind, String name, Runnable next) {
        Prepared statement = kind == 'S' ? prepared.get(name) : null;
        Portal portal = kind == 'P' ? portals.get(name) : null;
        if (statement == null && portal == null) {
            fail(kind == 'S' ? "26000" : "34000", (kind == 'S' ? "prepared statement \"" : "portal \"") + name + "\" does not exist");
            next.run();
            return;
        }
        String shard = links.isEmpty() ? database.config().defaultShard() : links.shards().getFirst();
        onShard(shard, link -> {
            exchange = new ShardRequest(client, List.of(link), Answer.ONE, true, ex -> {
                exchange = null;
                if (ex.failed()) {
                    statementFailed();
                }
                next.run();
            });
            var alloc = link.connection().channel().alloc();
            Prepared source = statement != null ? statement : portal.prepared();
            link.connection().write(StatementFrames.parse(alloc, "", source.parseTail()));
            if (portal != null) {
                link.connection().write(StatementFrames.renameBind(alloc, portal.bind().retain(), ""));
                link.connection().write(StatementFrames.target(alloc, StatementFrames.DESCRIBE, (byte) 'P', name));
            } else {
                link.connection().write(StatementFrames.target(alloc, StatementFrames.DESCRIBE, (byte) 'S', ""));
            }
            link.connection().write(alloc.buffer(5).writeByte('S').writeInt(4));
            link.connection().flush();
        }, next);
    }

    /**
     * Runs {@code then} with the session's connection to {@code shard} (leased now if need be, in the
     * session's transaction); if none can be had, the statement fails with the reason.
     */
    private void onShard(String shard, Consumer<ShardLink> then, Runnable next) {
        Future<List<ShardLink>> acquired = links.acquire(List.of(shard), transaction.beginStatement());
        acquired.addListener(f -> {
            if (!acquired.isSuccess()) {
                fail(ProxyErrors.of(acquired.cause(), ErrorResponse.Severity.ERROR));
                next.run();
                return;
            }
            then.accept(acquired.getNow().getFirst());
        });
    }

    // --- frames from the shards ---

    @Override
    public void onBackendFrame(BackendConnection connection, Frame frame) {
        ShardLink link = links.of(connection);
        ShardRequest current = exchange;
        if (link == null || current == null || !current.involves(link)) {
            frame.release();
            return;
        }
        byte type = frame.type();
        if (type == ParameterStatus.TYPE) {
            ParameterStatus status = ParameterStatus.decode(frame.body());
            connection.settingReported(status.name(), status.value());
            if (ReportedParameters.settable(status.name())) {
                session.settings().set(status.name(), status.value());
            }
        } else if (type == 'G' && current.links().size() == 1) {
            copyIn = link;
            copyInOpen = true;
            updateAutoRead();
        }
        current.onFrame(link, frame);
    }

    @Override
    public void onBackendReadComplete(BackendConnection connection) {
        client.flush();
    }

    @Override
    public void onBackendWritabilityChanged(BackendConnection connection, boolean writable) {
    }

    @Override
    public void onBackendClosed(BackendConnection connection) {
        ShardLink link = links.of(connection);
        if (link == null) {
            return;
        }
        boolean inTransaction = link.holdsTransaction();
        links.lost(link);
        transaction.statementFailed();
        ShardRequest current = exchange;
        if (current != null && current.involves(link)) {
            current.onLinkLost(link);
        } else if (inTransaction && session.phase() != Phase.CLOSED) {
            // The transaction's writes on that shard are gone and no statement is there to carry the
            // error; its COMMIT would answer ROLLBACK without one, which drivers take for success. So
            // the session ends, as a PostgreSQL client's does when its server goes.
            session.terminate(ProxyErrors.backendLost(link.shard()));
            return;
        }
        client.flush();
    }

    // --- the end of the session, and cancels ---

    @Override
    public void onClientClosed() {
        session.phase(Phase.CLOSED);
        Frame frame;
        while ((frame = inbox.poll()) != null) {
            frame.release();
        }
        portals.values().forEach(p -> p.bind().release());
        portals.clear();
        portalsRun.clear();
        if (copySplit != null) {
            copySplit.discard();
            copySplit = null;
        }
        ShardRequest current = exchange;
        if (current != null) {
            // Statements still running: closing their connections makes the backends abort them.
            for (ShardLink link : current.links()) {
                link.connection().detach();
                links.lost(link);
                link.connection().close();
            }
        }
        links.closeAll(pinned || watch.captureDue());
    }

    /** A CancelRequest quoted this session's key: cancel what its shards run now. */
    @Override
    public void cancel() {
        ShardRequest current = exchange;
        if (current == null) {
            return;
        }
        for (ShardLink link : current.links()) {
            if (link.connection().keyData() != null) {
                link.pool().connector().cancel(link.connection().target(), link.connection().keyData(), loop());
            }
        }
    }
}
