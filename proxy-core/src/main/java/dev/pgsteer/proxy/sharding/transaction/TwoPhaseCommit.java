package dev.pgsteer.proxy.sharding.transaction;

import dev.pgsteer.protocol.SqlState;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.errors.BackendErrorException;
import dev.pgsteer.proxy.errors.ProxyErrors;
import dev.pgsteer.proxy.sharding.execute.Futures;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a transaction that wrote on several shards so that it commits everywhere or nowhere:
 * PREPARE TRANSACTION on each, the decision made durable in the {@link DecisionLog}, then COMMIT
 * PREPARED on each. A shard that fails to prepare, or a decision that cannot be made durable, makes
 * every shard roll back; a decision whose fate is unknown (the store failed and could not be asked)
 * leaves every shard prepared until it is settled. A shard that fails to commit a prepared transaction
 * after the decision is durable is left for {@link InDoubtResolver} (the client was told COMMIT: the
 * decision stands).
 * Nothing here blocks the event loop: the decision is written on the {@code blocking} executor,
 * grouped with the decisions of concurrent commits ({@link GroupCommit}).
 *
 * @see <a href="https://www.postgresql.org/docs/current/sql-prepare-transaction.html">PREPARE TRANSACTION</a>
 */
public final class TwoPhaseCommit {
    private static final Logger log = LoggerFactory.getLogger(TwoPhaseCommit.class);

    /** The two points between PREPARE and COMMIT PREPARED where a crash leaves transactions in doubt. */
    public enum Step {
        /** Every shard prepared; no decision yet (a crash here rolls back everywhere). */
        PREPARED,
        /** The decision is durable; no COMMIT PREPARED sent yet (a crash here commits everywhere). */
        DECIDED
    }

    /**
     * For the crash test only ({@code -Dpgsteer.crashAt=prepared|decided}): the process stops dead at
     * that step of a two-shard commit, as a crash or a kill -9 would stop it.
     */
    private static final String CRASH_AT = System.getProperty("pgsteer.crashAt", "");

    private final DecisionLog decisions;
    private final Executor blocking;
    private final AtomicLong sequence = new AtomicLong(System.currentTimeMillis());
    /** For tests in one process: a commit that reaches a step this accepts stops there for good, as a dead node would. */
    private volatile Predicate<Step> freezeAt = step -> false;

    public TwoPhaseCommit(DecisionLog decisions, Executor blocking) {
        this.decisions = decisions;
        this.blocking = blocking;
    }

    public DecisionLog decisions() {
        return decisions;
    }

    /**
     * For tests that stop an instance in the middle of commits without stopping the JVM: every commit
     * that reaches a step {@code freeze} accepts goes no further (no decision, no COMMIT PREPARED, no
     * answer to its client), and stays so until the server is closed.
     */
    public void freezeAt(Predicate<Step> freeze) {
        this.freezeAt = freeze;
    }

    /** Commits the transaction open on {@code links}; the future fails with the error that made it roll back. */
    public Future<Void> commit(List<ShardLink> links, EventLoop loop) {
        Promise<Void> result = loop.newPromise();
        Optional<String> unavailable = decisions.unavailable();
        if (unavailable.isPresent()) {
            // Nothing prepared yet: the shards' transactions are rolled back as a plain ROLLBACK would.
            List<Future<Void>> rollbacks = new ArrayList<>();
            links.forEach(l -> rollbacks.add(finishPrepared(l.connection(), "ROLLBACK", loop)));
            Futures.whenAll(rollbacks, loop).addListener(f -> result.setFailure(notRecorded(unavailable.get())));
            return result;
        }
        Gid gid = new Gid(decisions.node(), Long.toString(sequence.incrementAndGet(), 36));
        List<Future<Void>> prepares = new ArrayList<>();
        for (ShardLink link : links) {
            prepares.add(link.connection().runInternal("PREPARE TRANSACTION " + shardGid(gid, link.shard()), loop));
        }
        Futures.whenAll(prepares, loop).addListener(all -> {
            Throwable failure = null;
            for (Future<Void> prepare : prepares) {
                if (!prepare.isSuccess() && failure == null) {
                    failure = prepare.cause();
                }
            }
            if (failure != null) {
                // A failed PREPARE aborted its own transaction; the prepared ones are rolled back.
                for (int i = 0; i < links.size(); i++) {
                    if (prepares.get(i).isSuccess()) {
                        finishPrepared(links.get(i).connection(), "ROLLBACK PREPARED " + shardGid(gid, links.get(i).shard()), loop);
                    }
                }
                result.setFailure(failure);
                return;
            }
            List<String> shards = links.stream().map(ShardLink::shard).toList();
            if (stopsAt(Step.PREPARED)) {
                return;
            }
            decisions.commit(gid, shards).whenComplete((ok, error) -> loop.execute(() -> {
                if (error != null) {
                    Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                    if (cause instanceof DecisionFailure.Unknown) {
                        // Neither commit nor roll back: the decision may be durable. Settled later, by a beat or a takeover.
                        log.warn("the outcome of transaction {} is unknown ({}); it stays prepared until the metadata "
                                + "store settles it", gid, cause.getMessage());
                        result.setFailure(resolutionUnknown(String.valueOf(cause.getMessage())));
                        return;
                    }
                    log.warn("the decision of transaction {} could not be recorded in {}: {}; rolling it back",
                            gid, decisions.describe(), cause.getMessage());
                    links.forEach(l -> finishPrepared(l.connection(), "ROLLBACK PREPARED " + shardGid(gid, l.shard()), loop));
                    result.setFailure(notRecorded(String.valueOf(cause.getMessage())));
                    return;
                }
                if (stopsAt(Step.DECIDED)) {
                    return;
                }
                List<Future<Void>> commits = new ArrayList<>();
                for (ShardLink link : links) {
                    commits.add(finishPrepared(link.connection(), "COMMIT PREPARED " + shardGid(gid, link.shard()), loop));
                }
                Futures.whenAll(commits, loop).addListener(c -> {
                    if (commits.stream().allMatch(Future::isSuccess)) {
                        blocking.execute(() -> decisions.done(gid));
                    } else {
                        decisions.unfinished(gid);
                        log.warn("transaction {} is committed but not yet on every shard; {} will finish it", gid,
                                decisions instanceof StoreDecisionLog ? "this pgsteer (or the one that takes its transactions over)"
                                        : "the next start of pgsteer");
                    }
                    result.setSuccess(null);
                });
            }));
        });
        return result;
    }

    /** The transaction was rolled back on every shard because its decision could not be made durable. */
    private static BackendErrorException notRecorded(String why) {
        return new BackendErrorException(ProxyErrors.error(SqlState.SYSTEM_ERROR,
                "the transaction was rolled back: its two-phase-commit decision could not be recorded (" + why + ")",
                "Nothing was committed on any shard; retry the transaction."));
    }

    /** The decision may or may not be durable: the client cannot know the outcome yet, as after a lost connection during COMMIT. */
    private static BackendErrorException resolutionUnknown(String why) {
        return new BackendErrorException(ProxyErrors.error(TRANSACTION_RESOLUTION_UNKNOWN,
                "the outcome of the transaction is not known yet: whether its two-phase-commit decision was recorded "
                        + "could not be read back (" + why + ")",
                "It commits on every shard or on none; pgsteer settles it once the metadata store answers. Check before retrying."));
    }

    /** PostgreSQL's {@code transaction_resolution_unknown}, as a driver reports a connection lost during COMMIT. */
    static final String TRANSACTION_RESOLUTION_UNKNOWN = "08007";

    /**
     * The name the transaction is prepared under on {@code shard}, as a quoted literal. PostgreSQL wants
     * a gid unique per server, and two shards may be two databases of one server: each gets its own.
     */
    public static String shardGid(Gid gid, String shard) {
        return "'" + gid.onShard(shard).replace("'", "''") + "'";
    }

    private boolean stopsAt(Step step) {
        if (CRASH_AT.equalsIgnoreCase(step.name())) {
            Runtime.getRuntime().halt(99);
        }
        return freezeAt.test(step);
    }

    private static Future<Void> finishPrepared(BackendConnection connection, String sql, EventLoop loop) {
        Future<Void> done = connection.runInternal(sql, loop);
        done.addListener(f -> {
            if (!f.isSuccess()) {
                log.warn("{} on {} failed: {}", sql, connection, f.cause().getMessage());
            }
        });
        return done;
    }
}
