package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.coordinator.CoordinatorSql;
import dev.pgsteer.proxy.sharding.coordinator.CopyPull;
import dev.pgsteer.proxy.sharding.coordinator.FinalStep;
import dev.pgsteer.proxy.sharding.coordinator.PullBudget;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Command.Coordinate}: a SELECT on several shards that pgsteer cannot merge runs whole on a
 * coordinator, the database's default shard. In the coordinator's own transaction, a temporary table
 * shaped like each sharded table the statement reads is filled with every shard's rows (the
 * coordinator's own by an INSERT ... SELECT, the others' by a binary COPY streamed through, see
 * {@link CopyPull}); the temporary tables shadow the real ones, the client's statement runs there
 * unchanged and its answer is relayed as PostgreSQL wrote it; then ROLLBACK drops the tables.
 *
 * <p>For now only outside a transaction block: inside one the coordinator would not see the rows the
 * transaction wrote on the other shards' connections unless they are pulled over those, and a
 * transaction that touched temporary tables cannot PREPARE TRANSACTION; both wait for the next step.
 */
public final class CoordinateCommand {
    private final ShardedDatabase database;
    private final ShardTransaction transaction;
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final EventLoop loop;
    /** The session, which the connections go back to after pgsteer's own statements on them. */
    private final BackendListener owner;

    public CoordinateCommand(ShardedDatabase database, ShardTransaction transaction, FanOut fanOut, ClientReplies replies,
                             EventLoop loop, BackendListener owner) {
        this.database = database;
        this.transaction = transaction;
        this.fanOut = fanOut;
        this.replies = replies;
        this.loop = loop;
        this.owner = owner;
    }

    /** Runs the step; {@code sender} says in which protocol the client sent the statement, which its final step keeps. */
    public void run(LexedStatement statement, StatementSender sender, Command.Coordinate command, Runnable whenDone) {
        if (transaction.mode() != ShardTransaction.Mode.NONE) {
            replies.fail(SqlState.FEATURE_NOT_SUPPORTED, "this SELECT needs the coordinator step (its rows come from several "
                    + "shards and pgsteer cannot merge them), which runs outside a transaction block only, for now");
            whenDone.run();
            return;
        }
        long started = System.nanoTime();
        Runnable next = () -> {
            database.coordinatedStatementDone(started);
            whenDone.run();
        };
        // The limit in force when the statement starts: a reload applies from the next one.
        PullBudget budget = new PullBudget(database.config().name(), database.config().coordinator(), database.pullMeters());
        Future<List<ShardLink>> acquired = fanOut.acquire(database.config().shards());
        acquired.addListener(f -> {
            if (!fanOut.ready(acquired, next)) {
                return;
            }
            List<ShardLink> links = acquired.getNow();
            ShardLink coordinator = links.stream().filter(l -> l.shard().equals(command.coordinatorShard())).findFirst().orElseThrow();
            // In flight for the relay while rows are pulled: a cancel reaches every shard, and a client
            // that leaves has every connection closed (which aborts the COPYs and drops the temporary tables).
            fanOut.start(links, Answer.COMBINE, false, ignored -> { });
            BackendConnection on = coordinator.connection();
            Future<List<List<String>>> names = on.queryInternal(CoordinatorSql.qualifiedNames(command.tables()), loop,
                    TransactionStatus.IDLE);
            names.addListener(n -> {
                if (!names.isSuccess()) {
                    fail(names.cause(), coordinator, next);
                    return;
                }
                List<List<String>> rows = names.getNow();
                if (rows.size() != command.tables().size()) {
                    fail(new CoordinatorMissesTable("a sharded table of this statement does not exist on the coordinator "
                            + command.coordinatorShard() + ": " + command.tables().stream().map(TableConfig.Sharded::name).toList()),
                            coordinator, next);
                    return;
                }
                List<String> qualified = rows.stream().map(r -> r.get(0)).toList();
                List<String> temporary = rows.stream().map(r -> r.get(1)).toList();
                Future<Void> created = on.runInternal(CoordinatorSql.createAndFillLocally(qualified, temporary), loop,
                        TransactionStatus.IN_TRANSACTION);
                created.addListener(c -> {
                    if (!created.isSuccess()) {
                        fail(created.cause(), coordinator, next);
                        return;
                    }
                    List<Pull> pulls = new ArrayList<>();
                    for (ShardLink link : links) {
                        if (link != coordinator) {
                            for (int i = 0; i < qualified.size(); i++) {
                                pulls.add(new Pull(link, qualified.get(i), temporary.get(i)));
                            }
                        }
                    }
                    pull(pulls, 0, coordinator, budget, () -> answer(FinalStep.of(statement, sender), coordinator, next), next);
                });
            });
        });
    }

    private record Pull(ShardLink source, String qualified, String temporary) {
    }

    /** Pulls one table of one shard after the other: a binary COPY stream has one header and one end. */
    private void pull(List<Pull> pulls, int index, ShardLink coordinator, PullBudget budget, Runnable then, Runnable next) {
        if (index == pulls.size()) {
            then.run();
            return;
        }
        Pull pull = pulls.get(index);
        Future<Void> pulled = CopyPull.run(pull.source(), pull.qualified(), coordinator.connection(), pull.temporary(), loop, budget);
        pulled.addListener(p -> {
            pull.source().connection().attach(owner);
            if (!pulled.isSuccess()) {
                fail(pulled.cause(), coordinator, next);
                return;
            }
            pull(pulls, index + 1, coordinator, budget, then, next);
        });
    }

    /** The client's statement, unchanged, on the coordinator: its answer passes through as PostgreSQL wrote it. */
    private void answer(FinalStep last, ShardLink coordinator, Runnable next) {
        BackendConnection on = coordinator.connection();
        on.attach(owner);
        fanOut.start(List.of(coordinator), Answer.ONE, last.acknowledged(), request -> {
            if (request.failed()) {
                replies.failed();
            }
            rollBack(coordinator, next);
        });
        last.writeTo(on);
        on.flush();
    }

    /** Ends the coordinator's transaction: its temporary tables go with it (ON COMMIT DROP, or rolled back). */
    private void rollBack(ShardLink coordinator, Runnable next) {
        BackendConnection on = coordinator.connection();
        if (!on.isUsable()) {
            next.run();
            return;
        }
        Future<Void> ended = on.runInternal("ROLLBACK", loop, TransactionStatus.IDLE);
        ended.addListener(e -> {
            if (on.isUsable()) {
                on.attach(owner);
            }
            if (ended.isSuccess()) {
                coordinator.leftTransaction();
            } else {
                // Cannot say what the connection holds: it is not used again.
                on.close();
            }
            next.run();
        });
    }

    /** A step failed: the client hears why (a shard's own error as it sent it), and the coordinator's transaction ends. */
    private void fail(Throwable cause, ShardLink coordinator, Runnable next) {
        fanOut.abandon();
        if (cause instanceof CoordinatorMissesTable missing) {
            replies.fail(SqlState.UNDEFINED_TABLE, missing.getMessage());
        } else if (cause instanceof CopyPull.PullFailed failed) {
            replies.channel().write(failed.error(), replies.channel().voidPromise());
            replies.failed();
        } else {
            replies.fail(cause);
        }
        rollBack(coordinator, next);
    }

    private static final class CoordinatorMissesTable extends Exception {
        CoordinatorMissesTable(String message) {
            super(message, null, false, false);
        }
    }
}
