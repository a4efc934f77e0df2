package dev.pgsteer.proxy.sharding.command;

import dev.pgsteer.config.TableConfig;
import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.errors.BackendErrorException;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.coordinator.JoinedWriteSql;
import dev.pgsteer.proxy.sharding.coordinator.OpenSteps;
import dev.pgsteer.proxy.sharding.coordinator.PullBudget;
import dev.pgsteer.proxy.sharding.coordinator.PullFailed;
import dev.pgsteer.proxy.sharding.coordinator.PullParameters;
import dev.pgsteer.proxy.sharding.execute.ClientReplies;
import dev.pgsteer.proxy.sharding.execute.FanOut;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.send.ExtendedSender;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.plan.Answer;
import dev.pgsteer.router.plan.Route;
import dev.pgsteer.router.plan.StatementKind;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code Command.JoinedWrite}: UPDATE ... FROM or DELETE ... USING of a sharded table whose other
 * tables' rows are on other shards. In the session's transaction (pgsteer's own, committed in two
 * phases, when it has none):
 *
 * <ol>
 *   <li>{@code EXPLAIN} of the statement on the default shard raises PostgreSQL's own analysis
 *       errors (a missing column, an ambiguous name, privileges) before anything is read;
 *   <li>the coordinator step ({@link CoordinatorStep}, on a connection apart: a transaction that
 *       touched temporary tables cannot be prepared) pulls every table the statement reads over the
 *       session's own links, the target's rows {@code FOR UPDATE} with their shard and ctid, and runs
 *       the client's statement over the copies: an UPDATE marks the rows it changes, then their new
 *       values are read; a DELETE returns which rows it removed. PostgreSQL itself picks, as it
 *       does, one joined row per target row;
 *   <li>every shard runs an UPDATE (or DELETE) of its own rows by ctid with those values, and the
 *       client's RETURNING, in the protocol the client used ({@link RunCommand} with a text per
 *       shard); the client gets the summed count and the rows, as for any multi-shard write.
 * </ol>
 */
public final class JoinedWriteCommand {
    /** The session's BackendKeyData process id, by which SHOW COORDINATORS names the step's client. */
    private final int client;
    private final ShardedDatabase database;
    private final ShardTransaction transaction;
    private final FanOut fanOut;
    private final ClientReplies replies;
    private final ShardLeases leases;
    private final ShardSettings settings;
    private final EventLoop loop;
    private final BackendListener owner;
    /** Runs the last step, each shard's write, in the protocol the client used. */
    private final RunCommand writes;

    public JoinedWriteCommand(int client, ShardedDatabase database, ShardTransaction transaction, FanOut fanOut, ClientReplies replies,
                              ShardLeases leases, ShardSettings settings, EventLoop loop, BackendListener owner, RunCommand writes) {
        this.client = client;
        this.database = database;
        this.transaction = transaction;
        this.fanOut = fanOut;
        this.replies = replies;
        this.leases = leases;
        this.settings = settings;
        this.loop = loop;
        this.owner = owner;
        this.writes = writes;
    }

    /** Runs the write; {@code sender} says in which protocol the client sent it, in which the shards' writes answer. */
    public void run(LexedStatement statement, StatementSender sender, Command.JoinedWrite command, Runnable whenDone) {
        long started = System.nanoTime();
        // Timed as a coordinated statement when it fails before its write; the write itself is timed by
        // RunCommand as the multi-shard write it is (one statement, counted once).
        Runnable next = () -> {
            database.coordinatedStatementDone(started);
            whenDone.run();
        };
        transaction.startImplicit();
        PullBudget budget = new PullBudget(database.config().name(), database.config().coordinator(), database.pullMeters());
        Future<List<ShardLink>> acquired = fanOut.acquire(database.config().shards());
        Future<ShardLink> apart = leases.leaseApart(command.read().coordinatorShard());
        acquired.addListener(a -> apart.addListener(b -> leased(statement, sender, command, budget, acquired, apart, next, whenDone)));
    }

    private void leased(LexedStatement statement, StatementSender sender, Command.JoinedWrite command, PullBudget budget,
                        Future<List<ShardLink>> acquired, Future<ShardLink> apart, Runnable next, Runnable written) {
        if (!apart.isSuccess()) {
            if (!fanOut.clientGone()) {
                replies.fail(apart.cause());
                next.run();
            }
            return;
        }
        ShardLink coordinator = apart.getNow();
        if (!fanOut.ready(acquired, next)) {
            ShardLeases.giveBackApart(coordinator, true);
            return;
        }
        List<ShardLink> links = acquired.getNow();
        fanOut.hold(links);
        // The client's values: the extended protocol's Bind (a Query has none).
        PullParameters parameters = sender instanceof ExtendedSender extended && extended.portal() != null
                ? PullParameters.of(extended.portal()) : null;
        ShardLink own = linkOf(links, command.read().coordinatorShard());
        Future<Void> explained = run(own, own.status(), "EXPLAIN " + command.explain().sql(), command.explain().parameters(), parameters);
        explained.addListener(e -> {
            if (fanOut.clientGone()) {
                ShardLeases.giveBackApart(coordinator, true);
                return;
            }
            if (!explained.isSuccess()) {
                fanOut.abandon();
                attachBack(links);
                ShardLeases.giveBackApart(coordinator, true);
                if (explained.cause() instanceof PullFailed failed) {
                    replies.channel().write(failed.error(), replies.channel().voidPromise());
                    replies.failed();
                } else {
                    replies.fail(explained.cause());
                }
                transaction.statementFailed();
                next.run();
                return;
            }
            own.connection().attach(owner);
            Computation computation = new Computation(command, parameters, database.config().shards());
            OpenSteps.Step open = database.coordinatorSteps().start(client, command.read().coordinatorShard() + " (apart)",
                    command.read().tables().stream().map(TableConfig.Sharded::name).toList(), budget);
            new CoordinatorStep(fanOut, replies, loop, owner, settings, command.compute().sql(),
                    new CoordinatorStep.Finish.Write(command.table().name(), parameters, command.compute().sql(), computation::run),
                    budget, transaction.localSettings(), command.read(), links, coordinator, true, open, database.hiddenRows(), () -> {
                        if (computation.texts == null) {
                            // The step failed, and the client has heard why.
                            next.run();
                            return;
                        }
                        // The client's parameters that its RETURNING holds go with each shard's text.
                        Map<String, int[]> bound = new LinkedHashMap<>();
                        if (sender.extended() && command.explain().parameters().length > 0) {
                            database.config().shards().forEach(shard -> bound.put(shard, command.returning().parameters()));
                        }
                        writes.run(statement, sender, new Route(database.config().shards(), Answer.COMBINE, StatementKind.WRITE,
                                "each row of " + command.table().name() + " by its ctid, as the coordinator computed it",
                                computation.texts, null, bound), written);
                    }).start();
        });
    }

    /**
     * pgsteer's own statement on {@code link}, with the client's parameters it holds (none: a simple
     * Query), which leaves it in {@code status}.
     */
    private Future<Void> run(ShardLink link, TransactionStatus status, String sql, int[] held, PullParameters parameters) {
        if (held.length == 0 || parameters == null) {
            return link.connection().runInternal(sql, loop, status);
        }
        return parameters.run(link.connection(), sql, held, loop);
    }

    /**
     * What runs on the coordinator once every row is in: the target copy's columns, the client's
     * statement over the copies as an UPDATE that marks the rows it writes, then those rows; unless
     * that failed, the shards' texts.
     */
    private final class Computation {
        private final Command.JoinedWrite command;
        private final PullParameters parameters;
        private final List<String> shards;
        /** Each shard's statement, once computed. */
        private Map<String, String> texts;

        Computation(Command.JoinedWrite command, PullParameters parameters, List<String> shards) {
            this.command = command;
            this.parameters = parameters;
            this.shards = shards;
        }

        /** {@code compute}: the client's statement over the copies, its tables named with their schema read as pg_temp's. */
        Future<Void> run(ShardLink coordinator, String compute) {
            Promise<Void> done = loop.newPromise();
            String table = command.table().name();
            Future<List<List<String>>> columns = coordinator.connection().queryInternal(JoinedWriteSql.columns(table), loop,
                    TransactionStatus.IN_TRANSACTION);
            columns.addListener(c -> {
                if (!columns.isSuccess()) {
                    done.setFailure(columns.cause());
                    return;
                }
                Map<String, String> types = new HashMap<>();
                columns.getNow().forEach(row -> types.put(row.get(0), row.get(1)));
                for (String name : command.returningNames()) {
                    if (!types.containsKey(name) || name.startsWith("pgsteer_")) {
                        done.setFailure(new BackendErrorException(ProxyErrors.error(SqlState.FEATURE_NOT_SUPPORTED, "this "
                                + (command.delete() ? "DELETE" : "UPDATE") + "'s RETURNING reads " + name + ", which is not a column of "
                                + table + ": pgsteer writes each shard's rows of " + table + " without the other tables' rows;"
                                + " return the target's columns only")));
                        return;
                    }
                }
                List<String> setTypes = command.setColumns().stream().map(types::get).toList();
                Future<Void> marked = JoinedWriteCommand.this.run(coordinator, TransactionStatus.IN_TRANSACTION, compute,
                        command.compute().parameters(), parameters);
                marked.addListener(m -> {
                    if (!marked.isSuccess()) {
                        done.setFailure(marked.cause());
                        return;
                    }
                    Future<List<List<String>>> changed = coordinator.connection().queryInternal(
                            JoinedWriteSql.writtenRows(table, command.setColumns()), loop, TransactionStatus.IN_TRANSACTION);
                    changed.addListener(r -> {
                        if (!changed.isSuccess()) {
                            done.setFailure(changed.cause());
                            return;
                        }
                        long size = changed.getNow().stream().flatMap(List::stream).mapToLong(v -> v == null ? 4 : v.length() + 8).sum();
                        if (size > InsertSelectCommand.MAX_BYTES) {
                            done.setFailure(new BackendErrorException(ProxyErrors.error(SqlState.PROGRAM_LIMIT_EXCEEDED, "this write"
                                    + " changes more than " + InsertSelectCommand.MAX_BYTES / (1024 * 1024) + " MB of values, which"
                                    + " pgsteer holds while it writes them; narrow it")));
                            return;
                        }
                        texts = JoinedWriteSql.byShard(command, shards, setTypes, changed.getNow());
                        done.setSuccess(null);
                    });
                });
            });
            return done;
        }
    }

    private void attachBack(List<ShardLink> links) {
        for (ShardLink link : links) {
            if (link.connection().isUsable()) {
                link.connection().attach(owner);
            }
        }
    }

    private static ShardLink linkOf(List<ShardLink> links, String shard) {
        return links.stream().filter(l -> l.shard().equals(shard)).findFirst().orElseThrow();
    }
}
