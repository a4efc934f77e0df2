package dev.pgsteer.proxy.sharding.relay;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.client.ClientSession;
import dev.pgsteer.proxy.client.Phase;
import dev.pgsteer.proxy.sharding.Pin;
import dev.pgsteer.proxy.sharding.ShardSettings;
import dev.pgsteer.proxy.sharding.ShardedDatabase;
import dev.pgsteer.proxy.sharding.StatementGuard;
import dev.pgsteer.proxy.sharding.command.Commands;
import dev.pgsteer.proxy.sharding.directory.DirectoryKeys;
import dev.pgsteer.proxy.sharding.execute.ShardLeases;
import dev.pgsteer.proxy.sharding.map.TransactionMap;
import dev.pgsteer.proxy.sharding.send.StatementSender;
import dev.pgsteer.proxy.sharding.transaction.ShardTransaction;
import dev.pgsteer.router.Router;
import dev.pgsteer.router.command.Command;
import dev.pgsteer.router.command.RouteContext;
import dev.pgsteer.router.directory.KeyNotCached;
import dev.pgsteer.router.plan.Analysis;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Placement;
import dev.pgsteer.router.sql.LexedStatement;
import io.netty.channel.EventLoop;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One statement of a sharded session: asks the database's {@link Router} what it is (on the event
 * loop when its shape's plan is cached; else the plan is made on the planner executor and the
 * statement routed with it back on the loop), then has the command executed.
 */
final class StatementPlanner {
    private static final Logger log = LoggerFactory.getLogger(StatementPlanner.class);

    private final ClientSession session;
    private final ShardedDatabase database;
    private static final int FAILED = 1;
    /** Keys of directory tables one statement may look up before it is refused. */
    static final int MAX_LOOKUPS = 256;
    private static final int EXTENDED = 2;
    private final RouteContext[] contexts = new RouteContext[4];
    private final ShardTransaction transaction;
    private final ShardSettings settings;
    private final Pin pin;
    private final Commands commands;
    private final TransactionMap transactionMap;
    /** The transaction {@link #guardedSince} is the first statement of, for the moves' write holds. */
    private long guardedTransaction = -1;
    private long guardedSince;
    private final QuietStatements quiet = new QuietStatements();

    StatementPlanner(ClientSession session, ShardedDatabase database, ShardLeases leases, ShardTransaction transaction,
                     ShardSettings settings, Pin pin, Commands commands) {
        this.session = session;
        this.database = database;
        // The held shards are a live view: four contexts serve every statement of the session, none is made per statement.
        for (int i = 0; i < contexts.length; i++) {
            contexts[i] = new RouteContext(leases.heldShards(), (i & FAILED) != 0, (i & EXTENDED) != 0, commands.columns());
        }
        this.transaction = transaction;
        this.settings = settings;
        this.pin = pin;
        this.commands = commands;
        this.transactionMap = new TransactionMap(database::mapVersion);
    }

    /** Plans and runs the statement; calls {@code next} when its answer is written. */
    void statement(LexedStatement statement, StatementSender sender, Runnable next) {
        boolean backslashQuotes = session.settings().backslashQuotes();
        if (!quiet.known(statement, backslashQuotes)) {
            String pinReason = settings.watch().onText(statement.text(), settings.reported(), backslashQuotes);
            if (pinReason != null) {
                pin.pin(pinReason);
            } else if (sender.extended()) {
                // A prepared statement comes back as this same object: if it changes nothing, the next Execute skips the scan.
                quiet.learn(statement);
            }
        }
        route(statement, sender, next, true);
    }

    /** Routes the statement; {@code mayLearn}: the first time, the columns of its INSERT's table may be read first. */
    private void route(LexedStatement statement, StatementSender sender, Runnable next, boolean mayLearn) {
        route(statement, sender, next, mayLearn, 0);
    }

    /** {@code lookups}: keys of directory tables looked up for this statement so far. */
    private void route(LexedStatement statement, StatementSender sender, Runnable next, boolean mayLearn, int lookups) {
        // One router for the whole decision: a reload meanwhile must not resolve an old plan with a new map.
        Router router = database.router();
        KeySource.Placeholders values = sender.values();
        Command command;
        try {
            command = router.routeIfPlanned(statement, values, context(sender));
        } catch (KeyNotCached miss) {
            lookUp(miss, statement, sender, next, mayLearn, lookups);
            return;
        }
        if (log.isTraceEnabled()) {
            log.trace("{}: planning {} ({})", session.id(), statement.shape(), command != null ? "cached" : "new shape");
        }
        if (command != null) {
            guarded(statement, sender, transactionMap.admit(command, transaction, router, statement, values, null), router, values,
                    null, next, mayLearn);
            return;
        }
        database.planner().execute(() -> {
            Analysis plan = router.plan(statement, context(sender));
            if (plan != null && plan.placement() instanceof Placement.Refused refused
                    && refused.sqlState().equals(SqlState.INTERNAL_ERROR.code())) {
                // The router turns a bug in its analysis into this statement's error; the log must still say so.
                log.warn("{}: could not plan {}: {}", session.id(), statement.shape(), refused.message());
            }
            session.channel().eventLoop().execute(() -> {
                if (session.phase() != Phase.CLOSED) {
                    Command planned;
                    try {
                        planned = router.route(statement, values, context(sender), plan);
                    } catch (KeyNotCached miss) {
                        // The plan is cached now: once the key is known, the statement routes on the loop.
                        lookUp(miss, statement, sender, next, mayLearn, lookups);
                        return;
                    }
                    guarded(statement, sender, transactionMap.admit(planned, transaction, router, statement, values, plan), router,
                            values, plan, next, mayLearn);
                }
            });
        });
    }

    /**
     * A key of a directory table this instance has not cached: looked up in the metadata store off the
     * loop, then the statement is routed again on the loop. A statement with many unknown keys looks
     * them up one at a time; one whose keys keep leaving the cache (more keys at once than it holds,
     * or changed meanwhile) is refused after {@link #MAX_LOOKUPS} rather than wait without end.
     */
    private void lookUp(KeyNotCached miss, LexedStatement statement, StatementSender sender, Runnable next, boolean mayLearn,
                        int lookups) {
        DirectoryKeys directory = database.directory();
        if (directory == null || lookups >= MAX_LOOKUPS) {
            execute(statement, sender, new Command.Refused(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE.code(),
                    directory == null ? "directory group " + miss.cache().group() + " has no key directory in this pgsteer"
                            : "this statement needs more keys of directory group " + miss.cache().group()
                            + " than this pgsteer could keep cached while routing it (" + lookups + " looked up); "
                            + "name fewer keys in one statement"), next, mayLearn);
            return;
        }
        directory.resolve(miss).whenComplete((done, failure) -> session.channel().eventLoop().execute(() -> {
            if (session.phase() == Phase.CLOSED) {
                return;
            }
            if (failure != null) {
                log.warn("{}: cannot look up key {} of directory group {}: {}", session.id(), miss.key(),
                        miss.cache().group(), failure.getMessage());
                execute(statement, sender, new Command.Refused(SqlState.CANNOT_CONNECT_NOW.code(), "cannot place key '"
                        + miss.key() + "' of directory group " + miss.cache().group() + ": this pgsteer has not cached it "
                        + "and the metadata store did not answer (" + failure.getMessage() + "); retry when the store is back"),
                        next, mayLearn);
                return;
            }
            route(statement, sender, next, mayLearn, lookups + 1);
        }));
    }

    /**
     * While a bucket of the database moves, the database's {@link StatementGuard} may refuse the statement or hold it: a held
     * write waits off the loop's stack for the hold's release, then is routed again (by the map the
     * release names), or fails with 55P03 once it waited the hold's bound. Otherwise it runs now.
     */
    private void guarded(LexedStatement statement, StatementSender sender, Command command, Router router,
                         KeySource.Placeholders values, Analysis plan, Runnable next, boolean mayLearn) {
        StatementGuard guard = database.guard();
        String name = database.config().name();
        if (guard == null || !guard.active(name)) {
            execute(statement, sender, command, next, mayLearn);
            return;
        }
        long since = Long.MAX_VALUE;
        if (transaction.mode() != ShardTransaction.Mode.NONE) {
            if (transaction.number() != guardedTransaction) {
                guardedTransaction = transaction.number();
                guardedSince = System.nanoTime();
            }
            since = guardedSince;
        }
        switch (guard.check(name, command, router, statement, values, plan, since)) {
            case StatementGuard.Check.Go go -> execute(statement, sender, command, next, mayLearn);
            case StatementGuard.Check.Refuse refuse -> execute(statement, sender, refuse.refused(), next, mayLearn);
            case StatementGuard.Check.Instead instead -> execute(statement, sender, instead.command(), next, mayLearn);
            case StatementGuard.Check.Wait wait -> {
                long started = System.nanoTime();
                EventLoop loop = session.channel().eventLoop();
                AtomicBoolean settled = new AtomicBoolean();
                ScheduledFuture<?> timer = loop.schedule(() -> {
                    if (settled.compareAndSet(false, true) && session.phase() != Phase.CLOSED) {
                        guard.waited(System.nanoTime() - started);
                        execute(statement, sender, wait.timedOut(), next, mayLearn);
                    }
                }, wait.bound().toMillis(), TimeUnit.MILLISECONDS);
                wait.released().whenComplete((done, failure) -> loop.execute(() -> {
                    if (settled.compareAndSet(false, true)) {
                        timer.cancel(false);
                        guard.waited(System.nanoTime() - started);
                        if (session.phase() != Phase.CLOSED) {
                            route(statement, sender, next, mayLearn);
                        }
                    }
                }));
            }
        }
    }

    private void execute(LexedStatement statement, StatementSender sender, Command command, Runnable next, boolean mayLearn) {
        if (command instanceof Command.LearnColumns learn && mayLearn) {
            commands.learnColumns(learn, () -> route(statement, sender, next, false), next);
            return;
        }
        commands.columns().statementRouted();
        commands.execute(statement, sender, command, next);
    }

    private RouteContext context(StatementSender sender) {
        return contexts[(transaction.isFailed() ? FAILED : 0) | (sender.extended() ? EXTENDED : 0)];
    }
}
