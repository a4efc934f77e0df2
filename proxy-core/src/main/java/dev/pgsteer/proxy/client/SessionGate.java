package dev.pgsteer.proxy.client;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Chooses, frame by frame, where a session's messages run, for a relay whose backend is not fixed
 * at login (a tenant database: the tenant chooses the pool). The relay keeps its pooling rules and
 * only switches pools between leases; the gate may put other frames in place of the client's (to
 * refuse a statement with an error at its place in the sequence).
 */
public interface SessionGate {

    /** A place statements run: a pool, and the settings its connections carry for the session. */
    interface Target {
        BackendPool pool();
    }

    /**
     * What to relay for one client frame, on {@code target}: {@code first} in its place, or, when
     * {@code second} is there, {@code second} in its place after {@code first}, a Parse of pgsteer's
     * own whose answer the client must not see.
     * {@code unreportedSet}: one of them is a SET whose change the backend will not report and that
     * must not pin the session (the gate's own setting).
     */
    record Admitted(Frame first, Frame second, Target target, boolean unreportedSet) {
        public Admitted(Frame first, Target target) {
            this(first, null, target, false);
        }
    }

    /** What a frame waits for before it is admitted: {@code released}, or {@code bound} at most, then it is admitted anyway. */
    record Hold(CompletableFuture<Void> released, Duration bound) {
    }

    /**
     * Before {@code frame} is admitted: what it must wait for (a tenant move's cutover holding the
     * tenant's statements), or null. While it waits, the frames after it wait too, in order.
     */
    default Hold holdBefore(Frame frame) {
        return null;
    }

    /** The session's target at login, when it has one already (a pinned user, startup options). */
    Target initial();

    Admitted admit(Frame frame);

    /**
     * {@code admitted} was for another target than the connection the session cannot give up (a
     * transaction began meanwhile, or the session is pinned): what to run on {@code held} instead.
     */
    Admitted refuseSwitch(Admitted admitted, Target held);

    /** The relay now leases from {@code target}: the session's settings become that target's. */
    void activate(Target target);

    /**
     * A frame the backend sent outside any answer (a NotificationResponse), as the client is to get
     * it: the same, another in its place, or null (released) when it is not the session's to see.
     */
    default Frame fromBackend(Frame frame) {
        return frame;
    }
}
