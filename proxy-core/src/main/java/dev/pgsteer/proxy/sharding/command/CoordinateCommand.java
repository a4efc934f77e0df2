package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.coordinator.GatherPull;
import dev.pgsteer.proxy.sharding.coordinator.FinalStep;
import dev.pgsteer.proxy.sharding.coordinator.OpenSteps;
import dev.pgsteer.proxy.sharding.coordinator.PullBudget;
import dev.pgsteer.proxy.sharding.coordinator.PullParameters;
import dev.pgsteer.proxy.sharding.coordinator.PullStatements;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.SessionCursors;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.send.ExtendedSender;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.List;
import java.util.function.BiFunction;

/**
 * {@code Command.Coordinate}: a SELECT on several shards that pgsteer cannot merge runs whole on a
 * coordinator, the database's default shard. In the coordinator's own transaction, a temporary table
 * shaped like each sharded table the statement reads is filled with every shard's rows (by a binary
 * COPY streamed through, see {@link GatherPull}); the temporary tables shadow the real ones, the
 * client's statement runs there unchanged and its answer is relayed as PostgreSQL wrote it; then
 * ROLLBACK drops the tables. {@link CoordinatorStep} runs it; here the session's shards are leased
 * (in its transaction when it has one), and inside a transaction block a coordinator connection
 * apart from the session's own, whose transaction pgsteer never prepares.
 */
public final class CoordinateCommand {
    /** The session's BackendKeyData process id, as SHOW CLIENTS and SHOW COORDINATORS show it. */
    private final int client;
    private final ShardedDatabase database;
    private final ShardTransaction transaction;
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final ShardLeases leases;
    private final ShardSettings settings;
    private final EventLoop loop;
    /** The session, which the connections go back to after pgsteer's own statements on them. */
    private final BackendListener owner;
    /** Where a cursor or a suspended portal the coordinator keeps is found again. */
    private final SessionCursors cursors;

    public CoordinateCommand(int client, ShardedDatabase database, ShardTransaction transaction, FanOut fanOut, ClientReplies replies,
                             ShardLeases leases, ShardSettings settings, EventLoop loop, BackendListener owner,
                             SessionCursors cursors) {
        this.client = client;
        this.database = database;
        this.transaction = transaction;
        this.fanOut = fanOut;
        this.replies = replies;
        this.leases = leases;
        this.settings = settings;
        this.loop = loop;
        this.owner = owner;
        this.cursors = cursors;
    }

    /** Runs the step; {@code sender} says in which protocol the client sent the statement, which its final step keeps. */
    public void run(LexedStatement statement, StatementSender sender, Command.Coordinate command, Runnable whenDone) {
        run(statement, sender, command, suspendedPortal(sender), whenDone);
    }

    /**
     * In the extended protocol, an Execute with a row limit keeps the coordinator's transaction, and so
     * the portal, for the Executes that may continue it: PostgreSQL answers them (the next rows, or
     * none once it ran to its end) until the portal is closed or bound again, or its transaction ends
     * (outside a transaction block: the Sync).
     */
    private CoordinatorStep.Keep suspendedPortal(StatementSender sender) {
        if (sender instanceof ExtendedSender extended && extended.maxRows() > 0) {
            return coordinator -> {
                cursors.hold(SessionCursors.Kind.PORTAL, extended.portalName(), coordinator, transaction.savepointCount());
                return true;
            };
        }
        return CoordinatorStep.Keep.NEVER;
    }

    /**
     * The step for a write's read ({@code read}: the SELECT of an INSERT ... SELECT, the subquery of an
     * UPDATE or DELETE ... IN (SELECT ...)): once every shard's rows are on the coordinator,
     * {@code reader} runs there in place of the client's statement and gathers the rows, which go to
     * {@code rows}; then {@code whenDone}. When the step failed, the client has heard why and
     * {@code rows} fails. The client's parameters (an Execute's) reach the conditions pulled with them.
     */
    public void read(LexedStatement read, StatementSender sender, Command.Coordinate command,
                     BiFunction<ShardLink, String, Future<List<Frame>>> reader, Promise<List<Frame>> rows, Runnable whenDone) {
        PullParameters parameters = sender instanceof ExtendedSender extended && extended.portal() != null
                ? PullParameters.of(extended.portal()) : null;
        start(read, new FinalStep.Capture(parameters, read.text(), reader, rows), false, command, CoordinatorStep.Keep.NEVER, () -> {
            rows.tryFailure(new IllegalStateException("the coordinator step ended without the rows"));
            whenDone.run();
        });
    }

    /**
     * EXPLAIN [ANALYZE] of a coordinated SELECT: the step as for the statement, whose final step is
     * the client's EXPLAIN, so the plan is the coordinator's over the pulled rows. A notice first
     * names what is pulled from each shard, which the plan does not show (it reads temporary tables
     * named like the real ones), and says the pulls' time is not in the plan's.
     */
    public void explain(LexedStatement statement, StatementSender sender, Command.ExplainCoordinator explain, Runnable next) {
        Command.Coordinate coordinate = explain.coordinate();
        PullParameters parameters = sender instanceof ExtendedSender extended ? PullParameters.of(extended.portal()) : null;
        StringBuilder pulls = new StringBuilder();
        for (int i = 0; i < coordinate.tables().size(); i++) {
            String table = coordinate.tables().get(i).name();
            pulls.append(i == 0 ? "" : "; ").append(table).append(" from ").append(String.join(", ", explain.shards()))
                    .append(" by ").append(PullStatements.explained(coordinate.pulls().get(i), table, parameters).rows());
        }
        replies.notice(SqlState.WARNING, "pgsteer: the plan shown is the coordinator " + coordinate.coordinatorShard()
                + "'s, over temporary tables holding the rows pulled before it ran (their time is not in the plan's): "
                + pulls);
        run(statement, sender, coordinate, next);
    }

    /** Runs the step; {@code keep} says who takes the coordinator apart if its transaction must outlive the statement. */
    void run(LexedStatement statement, StatementSender sender, Command.Coordinate command, CoordinatorStep.Keep keep,
             Runnable whenDone) {
        // Apart inside a transaction block; outside one too when a row limit may suspend the portal, which
        // the client may then continue before its Sync (pg-cursor does, after a Flush): the coordinator's
        // transaction is kept until that Sync, and the session's own default-shard link stays out of it.
        boolean suspendable = sender instanceof ExtendedSender extended && extended.maxRows() > 0;
        start(statement, FinalStep.of(statement, sender), suspendable, command, keep, whenDone);
    }

    private void start(LexedStatement statement, FinalStep last, boolean suspendable, Command.Coordinate command,
                       CoordinatorStep.Keep keep, Runnable whenDone) {
        long started = System.nanoTime();
        Runnable next = () -> {
            database.coordinatedStatementDone(started);
            whenDone.run();
        };
        boolean inTransaction = transaction.mode() != ShardTransaction.Mode.NONE;
        // The limit in force when the statement starts: a reload applies from the next one.
        PullBudget budget = new PullBudget(database.config().name(), database.config().coordinator(), database.pullMeters());
        Future<List<ShardLink>> acquired = fanOut.acquire(database.config().shards());
        Future<ShardLink> apart = inTransaction || suspendable ? leases.leaseApart(command.coordinatorShard())
                : loop.newSucceededFuture(null);
        acquired.addListener(a -> apart.addListener(b -> leased(statement, last, budget, command, keep, inTransaction, acquired,
                apart, next)));
    }

    private void leased(LexedStatement statement, FinalStep last, PullBudget budget, Command.Coordinate command,
                        CoordinatorStep.Keep keep, boolean inTransaction, Future<List<ShardLink>> acquired,
                        Future<ShardLink> apart, Runnable next) {
        if (!apart.isSuccess()) {
            // The session's own links, leased or not, are the session's as for any statement.
            if (!fanOut.clientGone()) {
                replies.fail(apart.cause());
                next.run();
            }
            return;
        }
        ShardLink apartLink = apart.getNow();
        if (!fanOut.ready(acquired, next)) {
            if (apartLink != null) {
                ShardLeases.giveBackApart(apartLink, true);
            }
            return;
        }
        String shard = command.coordinatorShard();
        OpenSteps.Step open = database.coordinatorSteps().start(client, apartLink == null ? shard : shard + " (apart)",
                command.tables().stream().map(TableConfig.Sharded::name).toList(), budget);
        new CoordinatorStep(fanOut, replies, loop, owner, settings, statement.text(), new CoordinatorStep.Finish.Answer(last, keep),
                budget, transaction.localSettings(), command, acquired.getNow(), apartLink, inTransaction, open, database.hiddenRows(),
                next).start();
    }
}
