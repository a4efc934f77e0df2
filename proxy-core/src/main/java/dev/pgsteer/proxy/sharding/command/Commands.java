package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.KeyTypeLearner;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.sharding.Pin;
import dev.pgsteer.proxy.sharding.SessionColumns;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.extended.ShardedPortals;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.channel.EventLoop;
import java.util.function.BooleanSupplier;

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
    private final SqlPreparedCommand sqlPrepared;
    private final ExplainCommand explain;
    private final ExplainRouteCommand explainRoute;
    private final CopyIntoShardsCommand copyIntoShards;
    private final CoordinateCommand coordinate;
    private final KeptCoordinator kept;
    private final CursorCommand cursors;
    private final SessionColumns columns;
    private final LearnColumnsCommand learnColumns;
    private final InsertSelectCommand insertSelect;
    private final WriteByKeysCommand writeByKeys;
    private final JoinedWriteCommand joinedWrite;
    private final ClientReplies replies;

    /**
     * The commands of one session. {@code copyUnit} is told when the client's copy data goes through
     * a split; {@code unitFailed} says whether the unit failed (then RESET puts no startup values
     * back); {@code owner} takes connections back after pgsteer's own statements on them; {@code clientId}
     * is the session's BackendKeyData process id (SHOW CLIENTS, SHOW COORDINATORS); {@code runner} runs
     * the statement an SQL EXECUTE makes; {@code backslashQuotes}: whether the session's plain string
     * constants take backslash escapes (standard_conforming_strings off).
     */
    public Commands(String sessionId, int clientId, ShardedDatabase database, ShardTransaction transaction, FanOut fanOut, ClientReplies replies,
                    ShardLeases leases, ShardSettings settings, ShardedPortals portals, Pin pin, CopySplitHolder copyUnit,
                    BooleanSupplier unitFailed, EventLoop loop, BackendListener owner, StatementRunner runner,
                    BooleanSupplier backslashQuotes) {
        this.columns = new SessionColumns(database.columns());
        this.run = new RunCommand(sessionId, database, transaction, fanOut, replies, new KeyTypeLearner(database, loop, owner, sessionId),
                columns);
        this.begin = new BeginCommand(transaction, replies);
        this.commit = new CommitCommand(transaction, replies);
        this.rollback = new RollbackCommand(transaction, replies);
        this.savepoint = new SavepointCommand(transaction, replies);
        this.set = new SetCommand(run, transaction, settings, unitFailed);
        this.discard = new DiscardCommand(run, portals, leases, settings, unitFailed);
        this.listen = new ListenCommand(run, pin);
        this.sqlPrepared = new SqlPreparedCommand(database, portals, fanOut, replies, loop, owner, runner, backslashQuotes);
        this.deallocate = new DeallocateCommand(portals, replies, sqlPrepared);
        this.explain = new ExplainCommand(run, replies);
        this.explainRoute = new ExplainRouteCommand(replies, () -> transaction.mode() != ShardTransaction.Mode.NONE);
        this.copyIntoShards = new CopyIntoShardsCommand(database, transaction, fanOut, replies, copyUnit, loop, owner);
        this.coordinate = new CoordinateCommand(clientId, database, transaction, fanOut, replies, leases, settings, loop, owner,
                transaction.cursors());
        this.kept = new KeptCoordinator(fanOut, replies, loop, transaction.cursors());
        this.cursors = new CursorCommand(run, coordinate, kept, transaction, replies, database.config().defaultShard());
        this.learnColumns = new LearnColumnsCommand(database, columns, transaction, fanOut, replies, loop, owner);
        RowsForWrite reads = new RowsForWrite(fanOut, replies, loop, owner, coordinate);
        this.insertSelect = new InsertSelectCommand(database, transaction, fanOut, replies, loop, owner, reads);
        this.writeByKeys = new WriteByKeysCommand(database, transaction, fanOut, replies, owner, reads, run);
        this.joinedWrite = new JoinedWriteCommand(clientId, database, transaction, fanOut, replies, leases, settings, loop, owner,
                run);
        this.replies = replies;
    }

    /** The command that runs a statement on shards: also what a suspended portal's Execute goes on with. */
    public RunCommand run() {
        return run;
    }

    /** Where an Execute continues a portal suspended on a coordinator kept for it. */
    public KeptCoordinator kept() {
        return kept;
    }

    /** The columns the session routes INSERTs without a column list with. */
    public SessionColumns columns() {
        return columns;
    }

    /**
     * Reads the columns of {@code command}'s table, then runs {@code routeAgain} (the statement
     * routed again, with them known); on an error, answers it and runs {@code next}.
     */
    public void learnColumns(Command.LearnColumns command, Runnable routeAgain, Runnable next) {
        replies.releaseHeld();
        learnColumns.run(command.table(), routeAgain, next);
    }

    /** Does what the router answered; calls {@code next} when the statement's answer is written. */
    public void execute(LexedStatement statement, StatementSender sender, Command command, Runnable next) {
        if (!(command instanceof Command.Run)) {
            // Only a Run's answer writes through what releases them (ShardRequest, ClientReplies): the others get them now.
            replies.releaseHeld();
        }
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
            case Command.SqlPrepare p -> sqlPrepared.prepare(p, next);
            case Command.SqlExecute e -> sqlPrepared.execute(e, sender, next);
            case Command.Explain e -> explain.run(statement, sender, e, next);
            case Command.ExplainRoute e -> explainRoute.run(e.route(), sender, next);
            case Command.ExplainCoordinated e -> explainRoute.run(e, sender, next);
            case Command.ExplainCoordinator e -> coordinate.explain(statement, sender, e, next);
            case Command.CopyIntoShards c -> copyIntoShards.run(statement, c, next);
            case Command.CopyIntoReference c -> copyIntoShards.run(statement, c, next);
            case Command.Coordinate c -> coordinate.run(statement, sender, c, next);
            case Command.DeclareCursor d -> cursors.declare(statement, sender, d, next);
            case Command.OnCursor c -> cursors.onCursor(statement, sender, c, next);
            case Command.InsertSelect i -> insertSelect.run(statement, sender, i, next);
            case Command.WriteByKeys w -> writeByKeys.run(statement, sender, w, next);
            case Command.JoinedWrite j -> joinedWrite.run(statement, sender, j, next);
            // The statement planner reads the columns and routes again (learnColumns): after that, the
            // router knows them, so it asks again only if the table changed in between.
            case Command.LearnColumns l -> {
                replies.fail(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "the columns of sharded table " + l.table().name()
                        + " changed while pgsteer read them; run the statement again");
                next.run();
            }
            case Command.Refused r -> {
                replies.fail(r.sqlState(), r.reason());
                next.run();
            }
        }
    }
}
