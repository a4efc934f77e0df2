package dev.pgsteer.proxy.sharding.transaction;

import dev.pgsteer.config.ProxyConfig;
import dev.pgsteer.config.store.DecisionStore;
import dev.pgsteer.config.store.NodeLeases;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stateless instances: with a metadata store, this instance's two-phase commits are decided in the
 * store under a lease, and any live instance finishes the commits of one that is gone.
 *
 * <p>Each instance is a <em>node</em> with a random id (a new one at every start) and a row in
 * {@code <schema>.nodes}. Every {@code node_timeout / 3} this keeper renews the lease and, on a thread
 * of its own, ends the lease of every other node whose heartbeat is older than its lease (by the store's clock), and resolves the
 * prepared transactions of ended nodes on every shard: COMMIT PREPARED where the node recorded a
 * decision, ROLLBACK PREPARED where it did not. A node's row in the store:
 *
 * <pre>
 *              register (INSERT, at start or after LOST)
 *                   │
 *                   ▼         renew: UPDATE ... SET heartbeat_at = now()
 *             ┌──────────┐    WHERE node = me AND state = 'live'
 *             │   live   │◀───────────────┐      record decisions: SELECT ... WHERE node = me
 *             └──────────┘────────────────┘      AND state = 'live' FOR SHARE, INSERT, COMMIT
 *                   │
 *                   │ another instance: UPDATE ... SET state = 'ended'
 *                   │ WHERE state = 'live' AND heartbeat_at + lease &lt; now()
 *                   ▼
 *             ┌──────────┐    any instance, every tick: resolve its prepared transactions
 *             │  ended   │    (decision → COMMIT PREPARED, none → ROLLBACK PREPARED)
 *             └──────────┘
 *                   │ a sweep that read every shard found none of its transactions left,
 *                   │ and it ended more than {@link #RETENTION_LEASES} leases ago
 *                   ▼
 *               (deleted, with its decisions)
 * </pre>
 *
 * <p><b>Why a takeover never resolves a transaction its owner may still commit.</b> The owner commits
 * only after its decision is committed in the store, and it records decisions in a transaction that
 * first locks its own row FOR SHARE where {@code state = 'live'}. The takeover's UPDATE needs that row's
 * lock, so the two are ordered by PostgreSQL:
 * <ul>
 *   <li>decision first: the takeover waits for the decision's commit, then re-checks the row (READ
 *       COMMITTED) and ends the lease; every resolver reads decisions after the takeover, in a later
 *       statement, so it sees the decision and commits;</li>
 *   <li>takeover first: the owner's FOR SHARE waits, re-checks the row, finds it ended, and records
 *       nothing ({@code LeaseLostException}); the owner rolls the transaction back and the client is told
 *       so; resolvers roll it back too. Both agree.</li>
 * </ul>
 * A decision whose transaction failed in a way that leaves its COMMIT in doubt (the connection to the
 * store lost) is never taken as absent: the owner inserts an 'abort' row for it, which the primary key
 * orders against the 'commit' row still in flight, so exactly one of the two exists; until that insert
 * succeeds the transaction stays prepared ({@link DecisionFailure.Unknown}).
 * A renewal is the same UPDATE on the same row: it cannot revive an ended node. A node that finds its
 * lease ended takes a new id ({@link Lease}: LOST → HELD) and carries on; its old id is never used again.
 * Clocks: the expiry is judged by the store's {@code now()} alone; the owner's own view ({@link Lease})
 * only stops it from preparing transactions it could not decide. A prepared transaction of an ended
 * node left by a commit that passed that check just before the end (a long pause) is found by the
 * sweeps that keep running until the node is deleted.
 */
public final class LeaseKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
    /** An ended node is kept (and swept) at least this many leases, for a paused owner's late PREPARE. */
    static final int RETENTION_LEASES = 4;

    private final NodeLeases leases;
    private final Lease lease;
    private final Duration timeout;
    private final StoreDecisionLog decisions;
    private final Supplier<ProxyConfig> config;
    private final LongSupplier clock = System::nanoTime;
    private final ScheduledExecutorService ticks;
    private final String host;
    private volatile boolean renewFailureLogged;
    private volatile boolean sweepFailureLogged;

    private LeaseKeeper(DecisionStore store, Duration timeout, Executor blocking, Supplier<ProxyConfig> config, String where) {
        this.leases = store.leases();
        this.lease = new Lease(timeout);
        this.timeout = timeout;
        this.config = config;
        this.decisions = new StoreDecisionLog(store, lease, blocking, clock, where);
        // Two threads: a sweep waiting on an unreachable shard must not delay the renewal of the lease.
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "pgsteer-2pc-lease");
            thread.setDaemon(true);
            return thread;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.ticks = executor;
        this.host = hostName();
    }

    /**
     * Takes this instance's lease (blocking: the start waits for it, as for the store itself) and starts
     * renewing it and sweeping; the first sweep runs at once. Decisions go through {@link #decisions()}.
     * {@code blocking} runs the decision writes (never an event loop); {@code config} gives the shards to sweep.
     */
    public static LeaseKeeper start(DecisionStore store, Duration timeout, Executor blocking, Supplier<ProxyConfig> config,
            String where) {
        LeaseKeeper keeper = new LeaseKeeper(store, timeout, blocking, config, where);
        keeper.register();
        long period = Math.max(100, timeout.toMillis() / 3);
        keeper.ticks.scheduleWithFixedDelay(keeper::beat, period, period, TimeUnit.MILLISECONDS);
        keeper.ticks.scheduleWithFixedDelay(keeper::takeOver, 0, period, TimeUnit.MILLISECONDS);
        return keeper;
    }

    public StoreDecisionLog decisions() {
        return decisions;
    }

    /** The node id this instance decides under now. */
    public String node() {
        return lease.node();
    }

    private void register() {
        for (int attempt = 0; ; attempt++) {
            String node = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            long sentAt = clock.getAsLong();
            if (leases.register(node, timeout, host)) {
                lease.registered(node, sentAt);
                log.info("two-phase commits decided in the metadata store as node {} (lease {} ms)", node, timeout.toMillis());
                return;
            }
            if (attempt > 3) {
                throw new IllegalStateException("cannot find a free node id in the metadata store");
            }
        }
    }

    /** Renews (or replaces) this instance's lease. */
    void beat() {
        try {
            renew();
            renewFailureLogged = false;
        } catch (RuntimeException e) {
            if (!renewFailureLogged) {
                log.warn("cannot renew the two-phase-commit lease of node {}: {}; two-phase commits fail until it is renewed",
                        lease.node(), e.getMessage());
                renewFailureLogged = true;
            }
        }
    }

    /** Ends expired leases, and resolves what ended nodes left prepared. */
    void takeOver() {
        try {
            List<String> taken = leases.takeOverExpired(lease.node());
            taken.forEach(node -> log.warn("pgsteer node {} has not renewed its lease in time: this instance ended it and "
                    + "finishes its two-phase commits", node));
            sweep();
            finishOwn();
            sweepFailureLogged = false;
        } catch (RuntimeException e) {
            if (!sweepFailureLogged) {
                log.warn("cannot finish the two-phase commits of ended pgsteer nodes: {}", e.getMessage());
                sweepFailureLogged = true;
            }
        }
    }

    private void renew() {
        String node = lease.node();
        long sentAt = clock.getAsLong();
        if (lease.state() == Lease.State.LOST) {
            log.warn("the lease of node {} was ended by another instance (it could not renew it in time); "
                    + "taking a new one: commits in flight under it were rolled back", node);
            register();
            return;
        }
        switch (leases.renew(node, timeout)) {
            case RENEWED -> lease.renewed(node, sentAt);
            case LOST -> {
                lease.lost(node);
                log.warn("the lease of node {} was ended by another instance (it could not renew it in time); "
                        + "taking a new one", node);
                register();
            }
        }
    }

    private void sweep() {
        List<NodeLeases.Ended> ended = leases.ended();
        if (ended.isEmpty()) {
            return;
        }
        Set<String> nodes = ended.stream().map(NodeLeases.Ended::node).collect(Collectors.toSet());
        InDoubtResolver.Outcome outcome = InDoubtResolver.resolve(config.get(), decisions, gid -> nodes.contains(gid.node()));
        outcome.lines().forEach(line -> log.info("two-phase commit takeover: {}", line));
        if (!outcome.complete()) {
            return;
        }
        Duration retention = timeout.multipliedBy(RETENTION_LEASES);
        for (NodeLeases.Ended node : ended) {
            if (node.ago().compareTo(retention) > 0) {
                leases.forget(node.node());
            }
        }
    }

    /**
     * This instance's own transactions left prepared while it runs (a COMMIT PREPARED that failed on a
     * shard, a decision whose outcome was unknown): their outcome is settled in the store, for good
     * ({@link StoreDecisionLog#settle}), and finished on every shard. A live node never rolls back one
     * of its own that has no decision yet any other way: its commit may still be recording it.
     */
    private void finishOwn() {
        Set<Gid> mine = decisions.unfinished();
        if (mine.isEmpty()) {
            return;
        }
        InDoubtResolver.Outcome outcome = InDoubtResolver.resolve(config.get(), mine::contains, decisions::settle);
        outcome.lines().forEach(line -> log.info("two-phase commit finished later: {}", line));
        if (outcome.complete()) {
            mine.forEach(decisions::done);
            decisions.finished(mine);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** Stops renewing: a stopped instance's transactions are finished by another one once its lease runs out. */
    @Override
    public void close() {
        ticks.shutdownNow();
        try {
            ticks.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
