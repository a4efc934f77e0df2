package dev.pgsteer.proxy.sharding.relay;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.ErrorResponse;
import dev.pgsteer.protocol.message.MessageType.Frontend;
import dev.pgsteer.protocol.message.Sync;
import dev.pgsteer.protocol.message.backend.BindComplete;
import dev.pgsteer.protocol.message.backend.CloseComplete;
import dev.pgsteer.protocol.message.backend.ParseComplete;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.message.frontend.Close;
import dev.pgsteer.protocol.message.frontend.Describe;
import dev.pgsteer.protocol.message.frontend.Execute;
import dev.pgsteer.protocol.message.frontend.Parse;
import dev.pgsteer.protocol.message.frontend.Target;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.extended.Lookup;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.command.KeptCoordinator;
import dev.pgsteer.proxy.sharding.command.RunCommand;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.SessionCursors;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.extended.Portal;
import dev.pgsteer.proxy.sharding.extended.Prepared;
import dev.pgsteer.proxy.sharding.extended.RecentParse;
import dev.pgsteer.proxy.sharding.extended.ShardedPortals;
import dev.pgsteer.proxy.sharding.send.ExtendedSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.util.List;

/**
 * The server side of the extended protocol on a sharded session: Parse, Bind and Close are answered
 * by pgsteer, which keeps the client's statements and portals ({@link ShardedPortals}); Describe asks
 * one shard; Execute runs the portal's statement where the router sends it, and a portal suspended
 * by a row limit goes on on the shard that holds it. An error skips the rest of the unit up to its Sync.
 */
final class ShardedExtendedProtocol {
    /** What continues a suspended portal: an Execute of it on its shard, routed as a read. */
    private static final LexedStatement FETCH = SqlLexer.statement("FETCH");

    /** The unit the messages belong to, as the relay runs it. */
    interface UnitControl {
        /** Whether a message of the unit failed: the rest up to Sync is skipped. */
        boolean failed();

        /** The unit's end: at a Sync (true), or at a Flush or a Query that comes before one (false). */
        void end(boolean sync);
    }

    private final ShardedDatabase database;
    private final ShardedPortals portals;
    private final ClientReplies replies;
    private final StatementPlanner planner;
    private final RunCommand runCommand;
    private final KeptCoordinator kept;
    private final FanOut fanOut;
    private final ShardLeases leases;
    private final ShardTransaction transaction;
    private final UnitControl control;
    /** The last Parse's statement: a client that parses the same unnamed statement before each Bind has it lexed once. */
    private final RecentParse recentParse = new RecentParse();

    ShardedExtendedProtocol(ShardedDatabase database, ShardedPortals portals, ClientReplies replies, StatementPlanner planner,
                            RunCommand runCommand, KeptCoordinator kept, FanOut fanOut, ShardLeases leases,
                            ShardTransaction transaction, UnitControl control) {
        this.database = database;
        this.portals = portals;
        this.replies = replies;
        this.planner = planner;
        this.runCommand = runCommand;
        this.kept = kept;
        this.fanOut = fanOut;
        this.leases = leases;
        this.transaction = transaction;
        this.control = control;
    }

    /**
     * The unit's messages not handled yet while one waits for shards (from {@link #waitingFrom} on),
     * and the Execute that waits: the client may leave meanwhile ({@link #discard}).
     */
    private List<Frame> waitingUnit;
    private int waitingFrom;
    private Frame waitingExecute;

    /** The client left: the messages of the unit that was waiting are released, never handled. */
    void discard() {
        List<Frame> unit = waitingUnit;
        waitingUnit = null;
        if (unit != null) {
            for (int i = waitingFrom; i < unit.size(); i++) {
                unit.get(i).release();
            }
        }
        if (waitingExecute != null) {
            waitingExecute.release();
            waitingExecute = null;
        }
    }

    /** Handles the unit's messages in order from {@code index}; each may wait for shards. */
    void run(List<Frame> unit, int index) {
        waitingUnit = null;
        waitingExecute = null;
        while (index < unit.size()) {
            Frame frame = unit.get(index);
            Frontend type = Frontend.of(frame.type());
            if (control.failed() && type != Frontend.SYNC) {
                frame.release();
                index++;
                continue;
            }
            int following = index + 1;
            switch (type) {
                case PARSE -> {
                    Parse parse = Parse.of(frame);
                    String name = parse.name();
                    ByteBuf tail = parse.tail();
                    // Asked first: a named statement's proxy-wide name is registered only for a Parse that takes.
                    if (!portals.state().preparable(name)) {
                        frame.release();
                        replies.fail(ProxyErrors.duplicateStatement(name));
                        index++;
                        continue;
                    }
                    portals.state().prepare(name, recentParse.of(tail, !name.isEmpty(), database.statements()::nameFor));
                    frame.release();
                    replies.hold(ParseComplete.INSTANCE);
                }
                case BIND -> {
                    Bind bind = Bind.of(frame);
                    String portalName;
                    String statementName;
                    try {
                        // Read in full here: a Bind the shards would refuse is refused before it is kept.
                        bind.valueCount();
                        portalName = bind.portal();
                        statementName = bind.statement();
                    } catch (RuntimeException e) {
                        frame.release();
                        replies.fail(SqlState.PROTOCOL_VIOLATION, "invalid Bind message: " + e.getMessage());
                        index++;
                        continue;
                    }
                    switch (portals.state().statement(statementName)) {
                        case Lookup.Refused<Prepared>(ErrorResponse error) -> {
                            frame.release();
                            replies.fail(error);
                            index++;
                            continue;
                        }
                        case Lookup.Found<Prepared>(Prepared statement) -> {
                            // A portal of that name suspended on a coordinator is replaced, as in PostgreSQL.
                            transaction.cursors().portalGone(portalName);
                            portals.bind(portalName, new Portal(statement, bind));
                        }
                    }
                    replies.hold(BindComplete.INSTANCE);
                }
                case DESCRIBE -> {
                    Describe describe = Describe.of(frame);
                    Target kind = describe.target();
                    String name = describe.name();
                    frame.release();
                    if (kind == Target.PORTAL && following < unit.size()
                            && Frontend.of(unit.get(following).type()) == Frontend.EXECUTE) {
                        // Answered with the Execute that follows, by the shards that run it.
                        Frame execute = unit.get(following);
                        execute(unit, following + 1, execute, name, true);
                        return;
                    }
                    waitFor(unit, following, null);
                    // A Describe may be answered by a coordinator kept for a cursor, which writes to the client itself.
                    replies.releaseHeld();
                    describe(kind, name, () -> {
                        if (waitingUnit == unit) {
                            run(unit, following);
                        }
                    });
                    return;
                }
                case EXECUTE -> {
                    String portalName = Execute.of(frame).portal();
                    execute(unit, following, frame, portalName, false);
                    return;
                }
                case CLOSE -> {
                    Close close = Close.of(frame);
                    Target kind = close.target();
                    String name = close.name();
                    frame.release();
                    portals.close(kind, name);
                    if (kind == Target.PORTAL) {
                        transaction.cursors().portalGone(name);
                    }
                    replies.hold(CloseComplete.INSTANCE);
                }
                case SYNC, FLUSH -> {
                    frame.release();
                    replies.releaseHeld();
                    control.end(type == Frontend.SYNC);
                    return;
                }
                case QUERY, FUNCTION_CALL, TERMINATE, COPY_DATA, COPY_DONE, COPY_FAIL, PASSWORD, UNKNOWN -> frame.release();
            }
            index++;
        }
        // A Query or FunctionCall came before any Sync or Flush: the batch so far is answered, as at a
        // Flush, and the Query runs next (skipped, as in PostgreSQL, if the batch failed).
        replies.releaseHeld();
        control.end(false);
    }

    private void execute(List<Frame> unit, int following, Frame execute, String portalName, boolean describe) {
        int maxRows = Execute.of(execute).maxRows();
        waitFor(unit, following, execute);
        Runnable next = () -> {
            if (waitingUnit != unit || waitingExecute != execute) {
                // Discarded: the client left while it waited.
                return;
            }
            waitingExecute = null;
            execute.release();
            run(unit, following);
        };
        if (transaction.cursors().coordinator(SessionCursors.Kind.PORTAL, portalName) != null) {
            // Continued on the coordinator that keeps it, which writes to the client itself.
            replies.releaseHeld();
        }
        if (kept.continuePortal(portalName, maxRows, next)) {
            // Suspended by a row limit on a coordinator that keeps it (inside a transaction block): it goes on there.
            return;
        }
        Portal portal = switch (portals.state().portal(portalName)) {
            case Lookup.Found<Portal>(Portal found) -> found;
            case Lookup.Refused<Portal> refused -> null;
        };
        if (portal == null) {
            ShardLink holder = portals.suspendedOn(portalName);
            if (holder == null || !leases.all().contains(holder)) {
                replies.fail(ProxyErrors.noSuchPortal(portalName));
                next.run();
                return;
            }
            runCommand.run(FETCH, new ExtendedSender(null, portalName, false, execute, maxRows, portals.suspended()),
                    Route.one(holder.shard(), StatementKind.READ, "suspended portal"), next);
            return;
        }
        if (portals.ran(portalName)) {
            replies.fail(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "portal \"" + portalName + "\" cannot be run");
            next.run();
            return;
        }
        if (portals.endedOnCoordinator(portalName)) {
            replies.fail(SqlState.FEATURE_NOT_SUPPORTED, "portal \"" + portalName + "\" cannot be continued: its statement"
                    + " ran in the coordinator step, whose rows are gone once it answered the first Execute's row limit;"
                    + " execute it without a row limit (pgjdbc: fetch size 0)");
            next.run();
            return;
        }
        if (countExecutes(unit, following) > 0) {
            // Several statements before one Sync are one transaction in PostgreSQL.
            transaction.startImplicit();
        }
        ExtendedSender sender = new ExtendedSender(portal, portalName, describe, execute, maxRows, portals.suspended());
        Runnable ran = () -> {
            if (returnsNoRows(portal.prepared().statement())) {
                portals.markRan(portalName);
            }
            if (sender.coordinated() && maxRows > 0
                    && transaction.cursors().coordinator(SessionCursors.Kind.PORTAL, portalName) == null) {
                portals.markEndedOnCoordinator(portalName);
            }
            next.run();
        };
        planner.statement(portal.prepared().statement(), sender, ran);
    }

    /**
     * A statement that returns no rows (a change without RETURNING, a command) runs to its end at its
     * portal's first Execute, whatever the row limit: PostgreSQL refuses to run that portal again.
     * One that may return rows can be continued or answers no more rows, so it is not counted here.
     */
    private static boolean returnsNoRows(LexedStatement statement) {
        return switch (statement.firstKeyword()) {
            case "SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "FETCH", "CALL", "COPY" -> false;
            default -> !mentionsReturning(statement.text());
        };
    }

    /** Whether {@code text} holds the word RETURNING in any case; asked at every Execute of a change, so it copies nothing. */
    private static boolean mentionsReturning(String text) {
        String word = "RETURNING";
        for (int at = 0; at <= text.length() - word.length(); at++) {
            if (text.regionMatches(true, at, word, 0, word.length())) {
                return true;
            }
        }
        return false;
    }

    private static int countExecutes(List<Frame> unit, int from) {
        int count = 0;
        for (int i = from; i < unit.size(); i++) {
            if (Frontend.of(unit.get(i).type()) == Frontend.EXECUTE) {
                count++;
            }
        }
        return count;
    }

    /** Describe of a statement, or of a portal without its Execute: asked of one shard. */
    private void waitFor(List<Frame> unit, int from, Frame execute) {
        waitingUnit = unit;
        waitingFrom = from;
        waitingExecute = execute;
    }

    private void describe(Target kind, String name, Runnable next) {
        switch (kind) {
            case STATEMENT -> {
                switch (portals.state().statement(name)) {
                    case Lookup.Refused<Prepared>(ErrorResponse error) -> refuse(error, next);
                    case Lookup.Found<Prepared>(Prepared statement) -> describeOnAShard(statement, null, name, next);
                }
            }
            case PORTAL -> {
                switch (portals.state().portal(name)) {
                    case Lookup.Refused<Portal>(ErrorResponse error) -> {
                        if (!kept.describe(name, next)) {
                            refuse(error, next);
                        }
                    }
                    case Lookup.Found<Portal>(Portal portal) -> describeOnAShard(portal.prepared(), portal, name, next);
                }
            }
        }
    }

    private void refuse(ErrorResponse error, Runnable next) {
        replies.fail(error);
        next.run();
    }

    /** Asks one shard to describe {@code source}'s statement, or its portal {@code name} when {@code portal} is not null. */
    private void describeOnAShard(Prepared source, Portal portal, String name, Runnable next) {
        String shard = leases.isEmpty() ? database.config().defaultShard() : leases.shards().getFirst();
        Future<List<ShardLink>> acquired = fanOut.acquire(List.of(shard));
        acquired.addListener(f -> {
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            ShardLink link = acquired.getNow().getFirst();
            fanOut.start(List.of(link), Answer.ONE, true, ex -> {
                if (ex.failed()) {
                    replies.failed();
                }
                next.run();
            });
            var alloc = link.connection().channel().alloc();
            link.connection().write(Parse.encode(alloc, "", source.parseTail()));
            if (portal != null) {
                portal.bind().frame().retain();
                link.connection().write(portal.bind().renamed(alloc, ""));
                link.connection().write(Describe.encode(alloc, Target.PORTAL, name));
            } else {
                link.connection().write(Describe.encode(alloc, Target.STATEMENT, ""));
            }
            Channel channel = link.connection().channel();
            channel.write(Sync.INSTANCE, channel.voidPromise());
            link.connection().flush();
        });
    }
}
