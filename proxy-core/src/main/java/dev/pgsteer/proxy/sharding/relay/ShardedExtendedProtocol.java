package dev.pgsteer.proxy.sharding.relay;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.protocol.wire.StatementFrames;
import dev.pgsteer.protocol.wire.Wire;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.command.RunCommand;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ResultWriter;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.extended.BindValues;
import dev.pgsteer.proxy.sharding.extended.Portal;
import dev.pgsteer.proxy.sharding.extended.PortalState;
import dev.pgsteer.proxy.sharding.extended.Prepared;
import dev.pgsteer.proxy.sharding.send.ExtendedSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import dev.pgsteer.router.sql.SqlLexer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.Locale;

/**
 * The server side of the extended protocol on a sharded session: Parse, Bind and Close are answered
 * by pgsteer, which keeps the client's statements and portals ({@link PortalState}); Describe asks
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
    private final PortalState portals;
    private final ClientReplies replies;
    private final StatementPlanner planner;
    private final RunCommand runCommand;
    private final FanOut fanOut;
    private final ShardLeases leases;
    private final ShardTransaction transaction;
    private final UnitControl control;

    ShardedExtendedProtocol(ShardedDatabase database, PortalState portals, ClientReplies replies, StatementPlanner planner,
                            RunCommand runCommand, FanOut fanOut, ShardLeases leases, ShardTransaction transaction,
                            UnitControl control) {
        this.database = database;
        this.portals = portals;
        this.replies = replies;
        this.planner = planner;
        this.runCommand = runCommand;
        this.fanOut = fanOut;
        this.leases = leases;
        this.transaction = transaction;
        this.control = control;
    }

    /** Handles the unit's messages in order from {@code index}; each may wait for shards. */
    void run(List<Frame> unit, int index) {
        ByteBufAllocator alloc = replies.channel().alloc();
        while (index < unit.size()) {
            Frame frame = unit.get(index);
            byte type = frame.type();
            if (control.failed() && type != 'S') {
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
                    if (!name.isEmpty() && portals.hasStatement(name)) {
                        frame.release();
                        replies.fail("42P05", "prepared statement \"" + name + "\" already exists");
                        index++;
                        continue;
                    }
                    portals.prepare(name, new Prepared(SqlLexer.statement(sql), ByteBufUtil.getBytes(tail),
                            name.isEmpty() ? null : database.statements().nameFor(tail)));
                    frame.release();
                    replies.write(ResultWriter.empty(alloc, '1'));
                }
                case 'B' -> {
                    BindValues values;
                    try {
                        values = new BindValues(frame);
                    } catch (RuntimeException e) {
                        frame.release();
                        replies.fail("08P01", "invalid Bind message: " + e.getMessage());
                        index++;
                        continue;
                    }
                    Prepared statement = portals.statement(values.statement());
                    if (statement == null) {
                        frame.release();
                        replies.fail("26000", "prepared statement \"" + values.statement() + "\" does not exist");
                        index++;
                        continue;
                    }
                    portals.bind(values.portal(), new Portal(statement, frame, values));
                    replies.write(ResultWriter.empty(alloc, '2'));
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
                    describe(kind, name, () -> run(unit, following));
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
                        portals.closeStatement(name);
                    } else {
                        portals.closePortal(name);
                    }
                    replies.write(ResultWriter.empty(alloc, '3'));
                }
                case 'S', 'H' -> {
                    frame.release();
                    control.end(type == 'S');
                    return;
                }
                default -> frame.release();
            }
            index++;
        }
        // A Query or FunctionCall came before any Sync or Flush: the batch so far is answered, as at a
        // Flush, and the Query runs next (skipped, as in PostgreSQL, if the batch failed).
        control.end(false);
    }

    private void execute(List<Frame> unit, int following, Frame execute, String portalName, boolean describe) {
        int maxRows = StatementFrames.executeMaxRows(execute);
        Portal portal = portals.portal(portalName);
        Runnable next = () -> {
            execute.release();
            run(unit, following);
        };
        if (portal == null) {
            ShardLink holder = portals.suspendedOn(portalName);
            if (holder == null || !leases.all().contains(holder)) {
                replies.fail("34000", "portal \"" + portalName + "\" does not exist");
                next.run();
                return;
            }
            runCommand.run(FETCH, new ExtendedSender(null, portalName, false, execute, maxRows, portals.suspended()),
                    Route.one(holder.shard(), StatementKind.READ, "suspended portal"), next);
            return;
        }
        if (portals.ran(portalName)) {
            replies.fail("55000", "portal \"" + portalName + "\" cannot be run");
            next.run();
            return;
        }
        if (countExecutes(unit, following) > 0) {
            // Several statements before one Sync are one transaction in PostgreSQL.
            transaction.startImplicit();
        }
        Runnable ran = () -> {
            if (returnsNoRows(portal.prepared().statement())) {
                portals.markRan(portalName);
            }
            next.run();
        };
        planner.statement(portal.prepared().statement(),
                new ExtendedSender(portal, portalName, describe, execute, maxRows, portals.suspended()), ran);
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
        Prepared statement = kind == 'S' ? portals.statement(name) : null;
        Portal portal = kind == 'P' ? portals.portal(name) : null;
        if (statement == null && portal == null) {
            replies.fail(kind == 'S' ? "26000" : "34000", (kind == 'S' ? "prepared statement \"" : "portal \"") + name + "\" does not exist");
            next.run();
            return;
        }
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
        });
    }
}
