package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.sql.LexedStatement;

/**
 * Executes what the router answered for a statement of a sharded session: one class per kind of
 * command, picked by an exhaustive switch, so that a new kind of {@link Command} does not compile
 * until it is executed somewhere.
 */
public final class Commands {
    private final RunCommand run;
    private final BeginCommand begin;
    private final CommitCommand commit;
    private final RollbackCommand rollback;
    private final SavepointCommand savepoint;
    private final SetCommand set;
    private final DiscardCommand discard;
    private final ListenCommand listen;
    private final DeallocateCommand deallocate;
    private final ExplainCommand explain;
    private final ExplainRouteCommand explainRoute;
    private final CopyIntoShardsCommand copyIntoShards;
    private final ClientReplies replies;

    public Commands(RunCommand run, BeginCommand begin, CommitCommand commit, RollbackCommand rollback, SavepointCommand savepoint,
                    SetCommand set, DiscardCommand discard, ListenCommand listen, DeallocateCommand deallocate,
                    ExplainCommand explain, ExplainRouteCommand explainRoute, CopyIntoShardsCommand copyIntoShards,
                    ClientReplies replies) {
        this.run = run;
        this.begin = begin;
        this.commit = commit;
        this.rollback = rollback;
        this.savepoint = savepoint;
        this.set = set;
        this.discard = discard;
        this.listen = listen;
        this.deallocate = deallocate;
        this.explain = explain;
        this.explainRoute = explainRoute;
        this.copyIntoShards = copyIntoShards;
        this.replies = replies;
    }

    /** The command that runs a statement on shards: also what a suspended portal's Execute goes on with. */
    public RunCommand run() {
        return run;
    }

    /** Does what the router answered; calls {@code next} when the statement's answer is written. */
    public void execute(LexedStatement statement, StatementSender sender, Command command, Runnable next) {
        switch (command) {
            case Command.Run r -> run.run(statement, sender, r.route(), next);
            case Command.Begin b -> begin.run(statement.text(), next);
            case Command.Commit c -> commit.run(next);
            case Command.Rollback r -> rollback.run(next);
            case Command.Savepoint s -> savepoint.run(statement.text(), s, next);
            case Command.TransactionSetting s -> set.transactionSetting(statement, sender, s.route(), next);
            case Command.SessionSetting s -> set.sessionSetting(statement, sender, s.route(), next);
            case Command.Discard d -> discard.run(statement, sender, d.route(), next);
            case Command.Listen l -> listen.run(statement, sender, l.route(), next);
            case Command.Deallocate d -> deallocate.run(d, next);
            case Command.Explain e -> explain.run(statement, sender, e, next);
            case Command.ExplainRoute e -> explainRoute.run(e.route(), sender, next);
            case Command.CopyIntoShards c -> copyIntoShards.run(statement, c, next);
            case Command.Refused r -> {
                replies.fail(r.sqlState(), r.reason());
                next.run();
            }
        }
    }
}
