package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.coordinator.ApartFrames;
import dev.pgsteer.proxy.sharding.coordinator.CarriedSettings;
import dev.pgsteer.proxy.sharding.coordinator.CoordinatorSql;
import dev.pgsteer.proxy.sharding.coordinator.CopyPull;
import dev.pgsteer.proxy.sharding.coordinator.FinalStep;
import dev.pgsteer.proxy.sharding.coordinator.PullBudget;
import dev.pgsteer.proxy.sharding.coordinator.PullParameters;
import dev.pgsteer.proxy.sharding.coordinator.PullStatements;
import dev.pgsteer.proxy.sharding.coordinator.SelectWords;
import dev.pgsteer.proxy.sharding.coordinator.TemporaryIndexes;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.Futures;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Answer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One coordinated statement, from the names of its tables to the end of the coordinator's
 * transaction. Two ways, as the session stands:
 *
 * <ul>
 *   <li><b>outside a transaction block</b>, the coordinator is the session's own connection to the
 *       default shard: its own rows are copied locally (INSERT ... SELECT), the other shards' pulled;
 *   <li><b>inside one</b> (explicit, or pgsteer's implicit one of a multi-statement Query), the
 *       coordinator is a connection {@code apart}, never in the session's transaction (a transaction
 *       that touched temporary tables cannot PREPARE TRANSACTION, not even after ROLLBACK TO
 *       SAVEPOINT), with the session's settings as its own connection has them; every row, the
 *       default shard's too, and the rows of every other table the statement reads (unsharded,
 *       reference: the transaction may have written them) are pulled over the session's own
 *       connections, in its transaction: the statement sees its uncommitted writes and its snapshot.
 * </ul>
 *
 * <pre>
 * names ─► [settings, in a transaction] ─► create ─► pull, one table of one shard after the other ─► answer ─► ROLLBACK
 *     \________ any failure: the client hears why, then ROLLBACK ________/
 * </pre>
 *
 * A failure fails the statement as PostgreSQL's would ({@link ClientReplies#failed}): an explicit
 * transaction is aborted until ROLLBACK, an implicit one rolls back. A client that leaves has the
 * connections of the request in flight closed by its relay ({@link FanOut#hold} registers them all).
 */
final class CoordinatorStep {
    /**
     * Who takes the coordinator apart when its transaction must outlive the statement: a SQL cursor
     * declared there, or a portal run with a row limit, which the client may go on with. Its
     * temporary tables stay with it.
     */
    interface Keep {
        Keep NEVER = coordinator -> false;

        /** Whether the coordinator is taken (not rolled back now). */
        boolean take(ShardLink coordinator);
    }

    /** What the step ends with once every row is in. */
    sealed interface Finish {
        /** The client's statement runs on the coordinator and its answer passes through; {@code keep} may take the coordinator. */
        record Answer(FinalStep last, Keep keep) implements Finish {
        }

        /**
         * pgsteer's own statements run on the coordinator ({@code compute}, which reads what to write);
         * the sharded table {@code target} is pulled locked, with each row's shard and ctid
         * ({@link PullStatements#lockedTarget}); the other tables' conditions may hold the client's
         * {@code parameters} (null: none).
         */
        record Write(String target, PullParameters parameters, Function<ShardLink, Future<Void>> compute) implements Finish {
        }
    }

    private final FanOut fanOut;
    private final ClientReplies replies;
    private final EventLoop loop;
    private final BackendListener owner;
    private final ShardSettings settings;
    private final String statement;
    private final Finish finish;
    /** The statement's bound on rows pulled. */
    private final PullBudget budget;
    /** The transaction's SET LOCAL statements: the custom settings they name are carried too. */
    private final List<String> localSettings;
    private final Command.Coordinate command;
    private final List<ShardLink> links;
    /** The session's own connection to the coordinator's shard: it reads names, settings, and (in a transaction) the other tables. */
    private final ShardLink own;
    /** Where the statement runs: {@link #own} outside a transaction block, a connection apart inside one. */
    private final ShardLink coordinator;
    private final boolean apart;
    /** Whether the session's links are in its transaction (then the other tables it reads are pulled as it sees them). */
    private final boolean inTransaction;
    private final Runnable next;
    /** What runs on the coordinator once every row is in ({@link TemporaryIndexes}), a statement per table. */
    private final List<String> prepare = new ArrayList<>();

    CoordinatorStep(FanOut fanOut, ClientReplies replies, EventLoop loop, BackendListener owner, ShardSettings settings,
                    String statement, Finish finish, PullBudget budget, List<String> localSettings, Command.Coordinate command,
                    List<ShardLink> links, ShardLink apartLink, boolean inTransaction, Runnable next) {
        this.fanOut = fanOut;
        this.replies = replies;
        this.loop = loop;
        this.owner = owner;
        this.settings = settings;
        this.statement = statement;
        this.finish = finish;
        this.budget = budget;
        this.localSettings = List.copyOf(localSettings);
        this.command = command;
        this.links = links;
        this.own = links.stream().filter(l -> l.shard().equals(command.coordinatorShard())).findFirst().orElseThrow();
        this.apart = apartLink != null;
        this.coordinator = apart ? apartLink : own;
        this.inTransaction = inTransaction;
        this.next = next;
    }

    private record Pull(ShardLink source, String qualified, PullStatements statements) {
    }

    void start() {
        List<ShardLink> involved = new ArrayList<>(links);
        if (apart) {
            involved.add(coordinator);
            coordinator.connection().attach(new ApartFrames(coordinator, fanOut, replies.channel(), loop));
        }
        // In flight for the relay while rows are pulled: a cancel reaches every shard, and a client
        // that leaves has every connection closed (which aborts the COPYs and drops the temporary tables).
        fanOut.hold(involved);
        List<String> names = Stream.concat(command.tables().stream().map(TableConfig.Sharded::name),
                inTransaction ? command.alsoReads().stream() : Stream.empty()).toList();
        Future<List<List<String>>> found = own.connection().queryInternal(CoordinatorSql.qualifiedNames(names), loop, ownStatus());
        found.addListener(n -> {
            if (fanOut.clientGone()) {
                return;
            }
            if (!found.isSuccess()) {
                fail(found.cause());
                return;
            }
            List<List<String>> rows = found.getNow();
            if (rows.size() != names.size()) {
                List<String> present = rows.stream().map(r -> r.get(2)).toList();
                String missing = names.stream().filter(name -> !present.contains(name)).findFirst().orElse("?");
                fail(new MissingTable("relation \"" + missing + "\" does not exist"
                        + (apart ? "" : " on the coordinator " + command.coordinatorShard())));
                return;
            }
            List<String> qualified = rows.stream().map(r -> r.get(0)).toList();
            List<PullStatements> tables = new ArrayList<>();
            boolean nested = SelectWords.count(statement) > 1;
            for (int i = 0; i < rows.size(); i++) {
                List<String> row = rows.get(i);
                List<String> columns = PullStatements.columns(row.get(3));
                boolean target = finish instanceof Finish.Write write && i < command.tables().size()
                        && command.tables().get(i).name().equals(write.target());
                prepare.add(TemporaryIndexes.after(row.get(1), row.get(4), i < command.tables().size() && !target
                        ? PullStatements.pulledColumns(command.pulls().get(i), columns) : columns, nested));
                // The sharded tables as narrowly as the router allows (a write's target whole, locked); the
                // others (inside a transaction) whole.
                tables.add(target ? PullStatements.lockedTarget(command.pulls().get(i), row.get(0), row.get(1), columns)
                        : i < command.tables().size()
                        ? PullStatements.of(command.pulls().get(i), row.get(0), row.get(1), columns, parameters())
                        : PullStatements.whole(row.get(0), row.get(1)));
            }
            if (apart) {
                withSettings(qualified, tables);
            } else {
                create(CoordinatorSql.createAndFillLocally(tables), qualified, tables);
            }
        });
    }

    /** The client's parameters, which pushed conditions may bind; null when there are none. */
    private PullParameters parameters() {
        return switch (finish) {
            case Finish.Answer answer -> answer.last().parameters();
            case Finish.Write write -> write.parameters();
        };
    }

    /** The session's connections are in its transaction, or out of any. */
    private TransactionStatus ownStatus() {
        return inTransaction ? TransactionStatus.IN_TRANSACTION : TransactionStatus.IDLE;
    }

    /** Reads the settings on both sides; the coordinator's transaction takes the session's where they differ. */
    private void withSettings(List<String> qualified, List<PullStatements> tables) {
        Set<String> named = new LinkedHashSet<>(settings.named());
        List<String> texts = new ArrayList<>(localSettings);
        texts.add(statement);
        named.addAll(CoordinatorSql.customSettingNames(texts));
        String read = CoordinatorSql.settings(named);
        Future<List<List<String>>> session = own.connection().queryInternal(read, loop, ownStatus());
        Future<List<List<String>>> there = coordinator.connection().queryInternal(read, loop, TransactionStatus.IDLE);
        Futures.whenAll(List.of(session, there), loop).addListener(both -> {
            if (fanOut.clientGone()) {
                return;
            }
            if (!session.isSuccess() || !there.isSuccess()) {
                fail(session.isSuccess() ? there.cause() : session.cause());
                return;
            }
            String set = CoordinatorSql.setLocally(CarriedSettings.differing(session.getNow(), there.getNow()));
            create(CoordinatorSql.createEmpty(set, tables), qualified, tables);
        });
    }

    private void create(String sql, List<String> qualified, List<PullStatements> tables) {
        Future<Void> created = coordinator.connection().runInternal(sql, loop, TransactionStatus.IN_TRANSACTION);
        created.addListener(c -> {
            if (fanOut.clientGone()) {
                return;
            }
            if (!created.isSuccess()) {
                fail(created.cause());
                return;
            }
            int sharded = command.tables().size();
            List<Pull> pulls = new ArrayList<>();
            for (ShardLink link : links) {
                for (int i = 0; i < sharded; i++) {
                    // The coordinator's own rows came with the create, unless conditions hold the client's parameters.
                    if (link != coordinator || tables.get(i).withParameters() != null) {
                        pulls.add(new Pull(link, qualified.get(i), tables.get(i).forShard(link.shard())));
                    }
                }
            }
            // Inside a transaction block, the other tables as the transaction sees them (they live on the coordinator's shard).
            for (int i = sharded; i < qualified.size(); i++) {
                pulls.add(new Pull(own, qualified.get(i), tables.get(i)));
            }
            pull(pulls, 0);
        });
    }

    /** Pulls one table of one shard after the other: a binary COPY stream has one header and one end. */
    private void pull(List<Pull> pulls, int index) {
        if (index == pulls.size()) {
            prepareThenAnswer();
            return;
        }
        Pull pull = pulls.get(index);
        Future<Void> pulled = CopyPull.run(pull.source(), pull.qualified(), pull.statements(), coordinator.connection(), loop, budget);
        pulled.addListener(p -> {
            if (fanOut.clientGone()) {
                return;
            }
            pull.source().connection().attach(owner);
            if (!pulled.isSuccess()) {
                fail(pulled.cause());
                return;
            }
            pull(pulls, index + 1);
        });
    }

    /** Statistics and indexes for the filled tables, the transaction made read-only, then the client's statement. */
    private void prepareThenAnswer() {
        Future<Void> prepared = coordinator.connection().runInternal(CoordinatorSql.beforeStatement(prepare), loop,
                TransactionStatus.IN_TRANSACTION);
        prepared.addListener(p -> {
            if (fanOut.clientGone()) {
                return;
            }
            if (!prepared.isSuccess()) {
                fail(prepared.cause());
                return;
            }
            switch (finish) {
                case Finish.Answer answer -> answer(answer.last(), answer.keep());
                case Finish.Write write -> compute(write);
            }
        });
    }

    /** pgsteer's own statements on the coordinator; then its transaction ends, whatever they did. */
    private void compute(Finish.Write write) {
        Future<Void> computed = write.compute().apply(coordinator);
        computed.addListener(c -> {
            if (fanOut.clientGone()) {
                return;
            }
            if (!computed.isSuccess()) {
                fail(computed.cause());
                return;
            }
            rollBack();
        });
    }

    /** The client's statement, unchanged, on the coordinator: its answer passes through as PostgreSQL wrote it. */
    private void answer(FinalStep last, Keep keep) {
        BackendConnection on = coordinator.connection();
        on.attach(apart ? new ApartFrames(coordinator, fanOut, replies.channel(), loop) : owner);
        fanOut.start(List.of(coordinator), Answer.ONE, last.acknowledged(), request -> {
            if (request.failed()) {
                replies.failed();
            } else if (apart && keep.take(coordinator)) {
                // Its transaction stays open: the cursor or portal there reads the temporary tables until it is closed.
                proceed();
                return;
            }
            rollBack();
        });
        last.writeTo(on);
        on.flush();
    }

    /** Ends the coordinator's transaction: its temporary tables go with it (ON COMMIT DROP, or rolled back). */
    private void rollBack() {
        BackendConnection on = coordinator.connection();
        if (!on.isUsable()) {
            if (apart) {
                ShardLeases.giveBackApart(coordinator, false);
            }
            proceed();
            return;
        }
        Future<Void> ended = on.runInternal("ROLLBACK", loop, TransactionStatus.IDLE);
        ended.addListener(e -> {
            if (apart) {
                // Back to the pool even if the client left meanwhile: the session's relay no longer holds it.
                ShardLeases.giveBackApart(coordinator, ended.isSuccess());
            } else if (ended.isSuccess()) {
                on.attach(owner);
                coordinator.leftTransaction();
            } else if (on.isUsable()) {
                // Cannot say what the connection holds: it is not used again.
                on.attach(owner);
                on.close();
            }
            proceed();
        });
    }

    private void proceed() {
        if (!fanOut.clientGone()) {
            next.run();
        }
    }

    /** A step failed: the client hears why (a shard's own error as it sent it), and the coordinator's transaction ends. */
    private void fail(Throwable cause) {
        fanOut.abandon();
        if (apart) {
            // The own links' transactions go on (or were aborted by their own error): they are the session's again.
            links.forEach(link -> {
                if (link.connection().isUsable()) {
                    link.connection().attach(owner);
                }
            });
        }
        if (cause instanceof MissingTable missing) {
            replies.fail(SqlState.UNDEFINED_TABLE, missing.getMessage());
        } else if (cause instanceof CopyPull.PullFailed failed) {
            replies.channel().write(failed.error(), replies.channel().voidPromise());
            replies.failed();
        } else {
            replies.fail(cause);
        }
        rollBack();
    }

    private static final class MissingTable extends Exception {
        MissingTable(String message) {
            super(message, null, false, false);
        }
    }
}
