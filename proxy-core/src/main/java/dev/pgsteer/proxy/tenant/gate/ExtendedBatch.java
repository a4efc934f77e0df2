package dev.pgsteer.proxy.tenant.gate;

/**
 * The extended-protocol batch going on, up to its Sync: the target of its latest Parse or Bind, and
 * the target it was opened on, against which a later statement for another target is a switch
 * inside the batch (which runs up to its Sync as one implicit transaction).
 *
 * <pre>
 *   NONE ──Parse, or a Bind while statements are known (PreparedTenants)──▶ OPENED (opened on, latest)
 *   NONE ──a Bind while none are known: it runs where its Parse did─────────▶ FOLLOWING (latest)
 *   OPENED, FOLLOWING ──Parse, Bind──▶ the same state, latest := its target
 *   any ──Sync──▶ NONE
 * </pre>
 *
 * A batch that began with a Bind while no statement was known (FOLLOWING) has no target it was
 * opened on: a switch later in it the relay cannot make is refused as for a pinned session (42501),
 * not as one inside a transaction (25001). That is how the gate has always counted it.
 */
final class ExtendedBatch {
    enum State { NONE, OPENED, FOLLOWING }

    private State state = State.NONE;
    /** OPENED: the target of its first Parse or Bind. */
    private TenantTarget openedOn;
    /** OPENED, FOLLOWING: the target of its latest Parse or Bind. */
    private TenantTarget latest;

    /** A Parse, or a Bind while statements are known, runs on {@code target}. */
    void open(TenantTarget target) {
        if (state == State.NONE) {
            state = State.OPENED;
            openedOn = target;
        }
        latest = target;
    }

    /** A Bind while no statement is known (it runs where its Parse did) runs on {@code target}. */
    void follow(TenantTarget target) {
        if (state == State.NONE) {
            state = State.FOLLOWING;
        }
        latest = target;
    }

    /** Sync: the batch is over. */
    void end() {
        state = State.NONE;
        openedOn = null;
        latest = null;
    }

    /** The target of the batch's latest Parse or Bind; null when no batch is going on. */
    TenantTarget latest() {
        return latest;
    }

    /** {@code wanted} is another target than the batch going on was opened on. */
    boolean switchesWithin(TenantTarget wanted) {
        return state == State.OPENED && openedOn != wanted;
    }
}
