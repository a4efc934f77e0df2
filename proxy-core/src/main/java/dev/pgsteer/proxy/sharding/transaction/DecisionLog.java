package dev.pgsteer.proxy.sharding.transaction;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The durable record of two-phase-commit decisions: a transaction prepared on several shards is
 * committed only once its decision is durable here, so that after a crash the prepared transactions
 * it names are committed and every other one of a dead node is rolled back (presumed abort).
 * A local file per instance ({@link FileDecisionLog}) or the metadata store shared by every instance
 * ({@link StoreDecisionLog}). Calls that return a value block: make them off the event loops.
 */
public sealed interface DecisionLog extends AutoCloseable permits FileDecisionLog, StoreDecisionLog {

    /** The node the next gid is made for. A store log's node changes when it lost its lease and took a new one. */
    String node();

    /** Why no two-phase commit may start now (its decision could not be made durable), or empty when one may. */
    Optional<String> unavailable();

    /**
     * Records, durably, that {@code gid} commits on {@code shards}. Completes once it is durable (on the
     * log's own thread), or fails with a {@link DecisionFailure} that says whether the transaction must
     * roll back ({@link DecisionFailure.Refused}; any other exception means the same) or stay prepared
     * until its outcome is settled ({@link DecisionFailure.Unknown}).
     */
    CompletableFuture<Void> commit(Gid gid, List<String> shards);

    /** Every shard committed {@code gid}: nothing is left to resolve. Best effort: losing it only repeats a harmless check. */
    void done(Gid gid);

    /**
     * {@code gid} is left prepared on some shard while this instance runs: its COMMIT PREPARED failed
     * there, or its decision's outcome is unknown. A store log finishes it on a later beat; a local log
     * at the next start.
     */
    void unfinished(Gid gid);

    /** Which of {@code gids} have a commit decision recorded. Blocks. */
    Set<Gid> decided(Collection<Gid> gids);

    /** For the log: where the decisions are. */
    String describe();

    @Override
    void close();
}
