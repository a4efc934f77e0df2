package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.coordinator.CopyPull;
import dev.pgsteer.proxy.sharding.coordinator.FinalStep;
import dev.pgsteer.proxy.sharding.coordinator.PullBudget;
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
import java.util.List;

/**
 * {@code Command.Coordinate}: a SELECT on several shards that pgsteer cannot merge runs whole on a
 * coordinator, the database's default shard. In the coordinator's own transaction, a temporary table
 * shaped like each sharded table the statement reads is filled with every shard's rows (by a binary
 * COPY streamed through, see {@link CopyPull}); the temporary tables shadow the real ones, the
 * client's statement runs there unchanged and its answer is relayed as PostgreSQL wrote it; then
 * ROLLBACK drops the tables. {@link CoordinatorStep} runs it; here the session's shards are leased
 * (in its transaction when it has one), and inside a transaction block a coordinator connection
 * apart from the session's own, whose transaction pgsteer never prepares.
 */
public final class CoordinateCommand {
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

    public CoordinateCommand(ShardedDatabase database, ShardTransaction transaction, FanOut fanOut, ClientReplies replies,
                             ShardLeases leases, ShardSettings settings, EventLoop loop, BackendListener owner,
                             SessionCursors cursors) {
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

    /** Runs the step; {@code keep} says who takes the coordinator apart if its transaction must outlive the statement. */
    void run(LexedStatement statement, StatementSender sender, Command.Coordinate command, CoordinatorStep.Keep keep,
             Runnable whenDone) {
        long started = System.nanoTime();
        Runnable next = () -> {
            database.coordinatedStatementDone(started);
            whenDone.run();
        };
        boolean inTransaction = transaction.mode() != ShardTransaction.Mode.NONE;
        if (inTransaction && !command.namedWithSchema().isEmpty()) {
            replies.fail(SqlState.FEATURE_NOT_SUPPORTED, "this SELECT needs the coordinator step (its rows come from several "
                    + "shards and pgsteer cannot merge them), which inside a transaction block reads table "
                    + command.namedWithSchema().getFirst() + " as the transaction sees it into a temporary table that shadows "
                    + "its plain name only: name it without its schema, for now");
            next.run();
            return;
        }
        // The limit in force when the statement starts: a reload applies from the next one.
        PullBudget budget = new PullBudget(database.config().name(), database.config().coordinator(), database.pullMeters());
        FinalStep last = FinalStep.of(statement, sender);
        Future<List<ShardLink>> acquired = fanOut.acquire(database.config().shards());
        // Apart inside a transaction block; outside one too when a row limit may suspend the portal, which
        // the client may then continue before its Sync (pg-cursor does, after a Flush): the coordinator's
        // transaction is kept until that Sync, and the session's own default-shard link stays out of it.
        boolean suspendable = sender instanceof ExtendedSender extended && extended.maxRows() > 0;
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
        new CoordinatorStep(fanOut, replies, loop, owner, settings, statement.text(), new CoordinatorStep.Finish.Answer(last, keep),
                budget, transaction.localSettings(), command, acquired.getNow(), apartLink, inTransaction, next).start();
    }
}
