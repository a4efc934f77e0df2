package dev.pgsteer.proxy.sharding.transaction;

import dev.pgsteer.config.store.DecisionStore;
import dev.pgsteer.config.store.DecisionTable.Decision;
import dev.pgsteer.config.store.LeaseLostException;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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

    /** One store transaction per node in the batch (one, unless the lease was replaced meanwhile). */
    private Map<Pending, RuntimeException> record(List<Pending> batch) {
        Map<Pending, RuntimeException> failed = new HashMap<>();
        Map<String, List<Pending>> byNode = batch.stream()
                .collect(Collectors.groupingBy(p -> p.gid().node(), LinkedHashMap::new, Collectors.toList()));
        byNode.forEach((node, pending) -> {
            try {
                store.decisions().record(node, pending.stream().map(p -> new Decision(p.gid().text(), p.shards())).toList());
            } catch (LeaseLostException e) {
                lease.lost(node);
                pending.forEach(p -> failed.put(p, e));
            } catch (RuntimeException e) {
                pending.forEach(p -> failed.put(p, e));
            }
        });
        return failed;
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
