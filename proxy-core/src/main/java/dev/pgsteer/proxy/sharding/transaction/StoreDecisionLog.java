package dev.pgsteer.proxy.sharding.transaction;

import dev.pgsteer.config.store.DecisionStore;
import dev.pgsteer.config.store.DecisionTable;
import dev.pgsteer.config.store.DecisionTable.Decision;
import dev.pgsteer.config.store.LeaseLostException;
import dev.pgsteer.config.store.StoreUnreachableException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions in the metadata store ({@code <schema>.decisions}), shared by every instance, so that
 * any live instance can finish the two-phase commits of one that is gone ({@link LeaseKeeper}).
 * Concurrent decisions go to the store in one transaction ({@link GroupCommit}); a decision is
 * recorded only while this instance's lease holds, checked under the node row's lock in the same
 * transaction, so a decision is never recorded after another instance took this one's transactions over.
 */
public final class StoreDecisionLog implements DecisionLog {
    private static final Logger log = LoggerFactory.getLogger(StoreDecisionLog.class);

    private record Pending(Gid gid, List<String> shards) {
    }

    private final DecisionStore store;
    private final Lease lease;
    private final LongSupplier clock;
    private final String where;
    private final GroupCommit<Pending> decisions;
    private final GroupCommit<Gid> finished;
    private final Set<Gid> unfinished = ConcurrentHashMap.newKeySet();

    StoreDecisionLog(DecisionStore store, Lease lease, Executor blocking, LongSupplier clock, String where) {
        this.store = store;
        this.lease = lease;
        this.clock = clock;
        this.where = where;
        this.decisions = new GroupCommit<>(blocking, this::record);
        this.finished = new GroupCommit<>(blocking, this::remove);
    }

    @Override
    public String node() {
        return lease.node();
    }

    @Override
    public Optional<String> unavailable() {
        return lease.unavailable(clock.getAsLong());
    }

    @Override
    public CompletableFuture<Void> commit(Gid gid, List<String> shards) {
        return decisions.submit(new Pending(gid, shards));
    }

    /**
     * One store transaction per node in the batch (one, unless the lease was replaced meanwhile). When
     * it fails other than by a lost lease, its COMMIT may or may not have happened: the outcome is
     * {@linkplain DecisionTable#settle settled} at once, each decision found committed or made aborted
     * for good; when even that fails, the outcome stays unknown and the transactions stay prepared
     * until a later beat settles them ({@link #unfinished}).
     */
    private Map<Pending, RuntimeException> record(List<Pending> batch) {
        Map<Pending, RuntimeException> failed = new HashMap<>();
        Map<String, List<Pending>> byNode = batch.stream()
                .collect(Collectors.groupingBy(p -> p.gid().node(), LinkedHashMap::new, Collectors.toList()));
        byNode.forEach((node, pending) -> {
            try {
                store.decisions().record(node, pending.stream().map(p -> new Decision(p.gid().text(), p.shards())).toList());
            } catch (LeaseLostException e) {
                // The lease check failed inside the transaction: nothing was inserted.
                lease.lost(node);
                pending.forEach(p -> failed.put(p, new DecisionFailure.Refused(e.getMessage())));
            } catch (StoreUnreachableException e) {
                // No connection: nothing was sent.
                pending.forEach(p -> failed.put(p, new DecisionFailure.Refused(e.getMessage())));
            } catch (RuntimeException e) {
                Set<String> committed;
                try {
                    committed = store.decisions().settle(node, pending.stream().map(p -> p.gid().text()).toList());
                } catch (RuntimeException again) {
                    log.warn("the outcome of {} two-phase commit(s) is unknown (the metadata store failed: {}); they stay "
                            + "prepared until it answers", pending.size(), again.getMessage());
                    pending.forEach(p -> {
                        unfinished(p.gid());
                        failed.put(p, new DecisionFailure.Unknown(e.getMessage()));
                    });
                    return;
                }
                pending.stream().filter(p -> !committed.contains(p.gid().text()))
                        .forEach(p -> failed.put(p, new DecisionFailure.Refused(e.getMessage())));
            }
        });
        return failed;
    }

    @Override
    public void unfinished(Gid gid) {
        unfinished.add(gid);
    }

    /** This instance's transactions left prepared while it runs, for {@link LeaseKeeper} to finish. */
    Set<Gid> unfinished() {
        return Set.copyOf(unfinished);
    }

    /** They are finished on every shard. */
    void finished(Collection<Gid> gids) {
        unfinished.removeAll(gids);
    }

    /** Settles the outcome of {@code gids} for good (see {@link DecisionTable#settle}); returns those that commit. Blocks. */
    Set<Gid> settle(Collection<Gid> gids) {
        Set<Gid> committed = new HashSet<>();
        gids.stream().collect(Collectors.groupingBy(Gid::node)).forEach((node, ofNode) -> {
            Set<String> commit = store.decisions().settle(node, ofNode.stream().map(Gid::text).toList());
            ofNode.stream().filter(g -> commit.contains(g.text())).forEach(committed::add);
        });
        return committed;
    }

    @Override
    public void done(Gid gid) {
        finished.submit(gid).exceptionally(e -> {
            // The decision stays: a resolver finds nothing prepared under it and the node's row goes with it.
            log.debug("could not remove the finished decision {}: {}", gid, e.getMessage());
            return null;
        });
    }

    private Map<Gid, RuntimeException> remove(List<Gid> gids) {
        store.decisions().remove(gids.stream().map(Gid::text).toList());
        return Map.of();
    }

    @Override
    public Set<Gid> decided(Collection<Gid> gids) {
        Set<String> decided = store.decisions().decided(gids.stream().map(Gid::text).toList());
        return gids.stream().filter(g -> decided.contains(g.text())).collect(Collectors.toSet());
    }

    @Override
    public String describe() {
        return "the metadata store " + where;
    }

    @Override
    public void close() {
        // The pool belongs to the metadata store, which closes it.
    }
}
