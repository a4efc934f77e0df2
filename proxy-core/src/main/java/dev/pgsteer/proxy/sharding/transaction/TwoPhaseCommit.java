package dev.pgsteer.proxy.sharding.transaction;

import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.sharding.execute.Futures;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a transaction that wrote on several shards so that it commits everywhere or nowhere:
 * PREPARE TRANSACTION on each, the decision made durable in the {@link DecisionLog}, then COMMIT
 * PREPARED on each. A shard that fails to prepare makes every shard roll back. A shard that fails to
 * commit a prepared transaction after the decision is logged is left for {@link InDoubtResolver} at
 * the next start (the client was told COMMIT: the decision stands).
 *
 * @see <a href="https://www.postgresql.org/docs/current/sql-prepare-transaction.html">PREPARE TRANSACTION</a>
 */
public final class TwoPhaseCommit {
    private static final Logger log = LoggerFactory.getLogger(TwoPhaseCommit.class);

    /**
     * For the crash test only ({@code -Dpgsteer.crashAt=prepared|decided}): the process stops dead at
     * that step of a two-shard commit, as a crash or a kill -9 would stop it.
     */
    private static final String CRASH_AT = System.getProperty("pgsteer.crashAt", "");

    private final DecisionLog decisions;
    private final Executor blocking;
    private final AtomicLong sequence = new AtomicLong(System.currentTimeMillis());

    public TwoPhaseCommit(DecisionLog decisions, Executor blocking) {
        this.decisions = decisions;
        this.blocking = blocking;
    }

    public DecisionLog decisions() {
        return decisions;
    }

    /** Commits the transaction open on {@code links}; the future fails with the error that made it roll back. */
    public Future<Void> commit(List<ShardLink> links, EventLoop loop) {
        Promise<Void> result = loop.newPromise();
        String gid = decisions.gidPrefix() + Long.toString(sequence.incrementAndGet(), 36);
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
            List<String> shards = links.stream().map(l -> l.shard()).toList();
            crashAt("prepared");
            blocking.execute(() -> {
                try {
                    decisions.commit(gid, shards);
                    crashAt("decided");
                } catch (RuntimeException e) {
                    loop.execute(() -> {
                        links.forEach(l -> finishPrepared(l.connection(), "ROLLBACK PREPARED " + shardGid(gid, l.shard()), loop));
                        result.setFailure(e);
                    });
                    return;
                }
                loop.execute(() -> {
                    List<Future<Void>> commits = new ArrayList<>();
                    for (ShardLink link : links) {
                        commits.add(finishPrepared(link.connection(), "COMMIT PREPARED " + shardGid(gid, link.shard()), loop));
                    }
                    Futures.whenAll(commits, loop).addListener(c -> {
                        if (commits.stream().allMatch(Future::isSuccess)) {
                            blocking.execute(() -> decisions.done(gid));
                        } else {
                            log.warn("transaction {} is committed but not yet on every shard; it will be finished "
                                    + "at the next start of pgsteer", gid);
                        }
                        result.setSuccess(null);
                    });
                });
            });
        });
        return result;
    }

    /**
     * The name the transaction is prepared under on {@code shard}, as a quoted literal. PostgreSQL wants
     * a gid unique per server, and two shards may be two databases of one server: each gets its own.
     */
    public static String shardGid(String gid, String shard) {
        return "'" + (gid + SHARD_SEPARATOR + shard).replace("'", "''") + "'";
    }

    /** What separates the decision's gid from the shard in a prepared transaction's name. */
    public static final String SHARD_SEPARATOR = "@";

    private static void crashAt(String step) {
        if (CRASH_AT.equals(step)) {
            Runtime.getRuntime().halt(99);
        }
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
