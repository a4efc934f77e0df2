package dev.pgsteer.proxy.sharding.transaction;

import java.time.Duration;
import java.util.Optional;

/**
 * This instance's lease in the metadata store, as the instance itself sees it: whether it may start a
 * two-phase commit now, and under which node id. Pure (the caller passes the time), so its transitions
 * are tested without a store; {@link LeaseKeeper} feeds it what the store answered.
 *
 * <pre>
 *                registered(node, sentAt)            renewed(node, sentAt)
 *      NONE ───────────────────────────▶ HELD ◀───────────────────────┐
 *                                         │ │                         │
 *                                         │ └─────────────────────────┘
 *                lost(node): the store    │
 *                says it was ended, or a  │      (HELD but no renewal sent in the last
 *                decision was refused     │       lease - margin: no new commit starts;
 *                                         ▼       the store may end it at any moment)
 *                                        LOST ──── registered(new node, sentAt) ───▶ HELD
 * </pre>
 *
 * The time of a renewal is when it was <em>sent</em>: the store stamps heartbeat_at later than that, so
 * the lease as seen here ends no later than the lease as the store judges it. This check only keeps
 * an instance that cannot reach the store from preparing transactions it could not decide; what makes
 * a takeover safe is the row lock in the store (see {@link LeaseKeeper}).
 */
final class Lease {

    enum State { NONE, HELD, LOST }

    private final long leaseNanos;
    private final long usableNanos;
    private State state = State.NONE;
    private String node;
    private long renewedAt;

    Lease(Duration lease) {
        this.leaseNanos = lease.toNanos();
        // A fifth of the lease is kept as margin for a commit already past the check and for clock rates.
        this.usableNanos = leaseNanos - leaseNanos / 5;
    }

    synchronized void registered(String newNode, long sentAt) {
        state = State.HELD;
        node = newNode;
        renewedAt = sentAt;
    }

    /** A renewal of {@code renewedNode} sent at {@code sentAt} succeeded; a late answer for a node replaced since is ignored. */
    synchronized void renewed(String renewedNode, long sentAt) {
        if (state == State.HELD && renewedNode.equals(node) && sentAt - renewedAt > 0) {
            renewedAt = sentAt;
        }
    }

    /** The store ended {@code lostNode}'s lease; ignored when that node was replaced already. */
    synchronized void lost(String lostNode) {
        if (lostNode.equals(node)) {
            state = State.LOST;
        }
    }

    synchronized State state() {
        return state;
    }

    /** The node id of the lease; null before the first registration. */
    synchronized String node() {
        return node;
    }

    /** Why no two-phase commit may start at {@code now}, or empty when one may. */
    synchronized Optional<String> unavailable(long now) {
        return switch (state) {
            case NONE -> Optional.of("this pgsteer has no lease in the metadata store yet");
            case LOST -> Optional.of("this pgsteer's lease in the metadata store was ended by another instance; "
                    + "it is taking a new one");
            case HELD -> now - renewedAt < usableNanos ? Optional.empty()
                    : Optional.of("this pgsteer could not renew its lease in the metadata store for "
                    + Duration.ofNanos(now - renewedAt).toMillis() + " ms (lease " + Duration.ofNanos(leaseNanos).toMillis() + " ms)");
        };
    }
}
