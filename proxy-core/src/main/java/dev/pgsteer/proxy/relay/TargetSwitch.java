package dev.pgsteer.proxy.relay;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.client.SessionGate;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * For a gated session (a tenant database), whose backend is not fixed at login: each frame runs on
 * the target the gate chose. A new target takes effect between leases only; until the connection
 * held is given back, frames for another one wait here, and the client is not read meanwhile. Frames
 * the gate holds before admitting them (a tenant move's cutover, {@link SessionGate#holdBefore}) wait
 * here too, unadmitted, until the hold is released or its bound passes: then they are admitted, in
 * order, to the target the gate chooses then (the tenant's new shard after the move's flip).
 */
final class TargetSwitch {
    private final SessionGate gate;
    private final Lease lease;
    private final PooledRelay relay;
    private SessionGate.Target leaseTarget;
    /** Frames not admitted yet: the first waits for a hold of the gate's, the others behind it. */
    private final ArrayDeque<Frame> waiting = new ArrayDeque<>();
    private boolean closed;
    /** Frames admitted for another target than the connection held: they wait for its release. */
    private final ArrayDeque<SessionGate.Admitted> held = new ArrayDeque<>();
    /** Parses of pgsteer's own among the pending frames (by identity): their answers are not the client's. */
    private final Set<Frame> ownParses = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The gate's own SETs among the pending frames (by identity): its settings, which the session does not carry itself. */
    private final Set<Frame> gateSets = Collections.newSetFromMap(new IdentityHashMap<>());

    /** The lease's first pool is the gate's initial target's. */
    TargetSwitch(SessionGate gate, Lease lease, PooledRelay relay) {
        this.gate = gate;
        this.lease = lease;
        this.relay = relay;
        switchTo(gate.initial());
    }

    /** Frames wait for the connection held to go back, or for a hold of the gate's. */
    boolean holding() {
        return !held.isEmpty() || !waiting.isEmpty();
    }

    /** A frame of the session: waits while the gate holds it, else is admitted. */
    void admit(Frame frame) {
        if (!waiting.isEmpty()) {
            waiting.add(frame);
            return;
        }
        SessionGate.Hold hold = gate.holdBefore(frame);
        if (hold != null && !hold.released().isDone()) {
            waiting.add(frame);
            relay.updateAutoRead();
            awaken(hold);
            return;
        }
        admitNow(frame);
    }

    /** When the hold is released, or its bound passed: the waiting frames go on, on the session's loop. */
    private void awaken(SessionGate.Hold hold) {
        hold.released().copy().completeOnTimeout(null, hold.bound().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((done, error) -> relay.onLoop(this::resume));
    }

    /** The first waiting frame waited its turn; the frames after it are asked again (a new hold may have begun). */
    private void resume() {
        if (closed) {
            return;
        }
        admitNow(waiting.poll());
        Frame next;
        while ((next = waiting.peek()) != null) {
            SessionGate.Hold hold = gate.holdBefore(next);
            if (hold != null && !hold.released().isDone()) {
                awaken(hold);
                return;
            }
            admitNow(waiting.poll());
        }
        relay.flushLease();
        relay.updateAutoRead();
    }

    /** A frame relayed on the target the gate chose, or held until the switch to it. */
    private void admitNow(Frame frame) {
        SessionGate.Admitted admitted = gate.admit(frame);
        if (!held.isEmpty()) {
            held.add(admitted);
            return;
        }
        if (admitted.target() != leaseTarget) {
            if (!lease.none() || relay.hasPending()) {
                held.add(admitted);
                relay.updateAutoRead();
                if (lease.attached() && relay.quiet()) {
                    // Nothing the connection runs will end with a ReadyForQuery that lets it go: the
                    // session keeps it (a transaction, a pinned session), or an extended-protocol batch
                    // is under way and its Sync comes after this frame. Waiting would never end.
                    drain();
                }
                return;
            }
            switchTo(admitted.target());
        }
        relayAdmitted(admitted);
    }

    private void switchTo(SessionGate.Target target) {
        leaseTarget = target;
        lease.pool(target.pool());
        gate.activate(target);
    }

    private void relayAdmitted(SessionGate.Admitted admitted) {
        if (admitted.unreportedSet()) {
            // The gate's own SET: the gate carries its settings itself; the watch must not read it as the session's.
            gateSets.add(admitted.first());
        }
        if (admitted.second() != null) {
            ownParses.add(admitted.first());
            relay.relay(admitted.first());
            relay.relay(admitted.second());
        } else {
            relay.relay(admitted.first());
        }
    }

    /**
     * Relays the held frames once nothing runs on the connection held: those of another target
     * after the connection went back, or, when it cannot go back (a transaction, a pinned session),
     * in their place the error of a refused switch.
     */
    void drain() {
        SessionGate.Admitted next;
        while ((next = held.peek()) != null) {
            if (next.target() != leaseTarget) {
                if (!relay.quiet()) {
                    return;
                }
                if (lease.held()) {
                    held.poll();
                    relayAdmitted(gate.refuseSwitch(next, leaseTarget));
                    continue;
                }
                switchTo(next.target());
            }
            held.poll();
            relayAdmitted(next);
        }
        if (lease.held()) {
            lease.connection().flush();
        }
        relay.updateAutoRead();
    }

    /** Whether {@code frame}, on its way to the connection, is a Parse of pgsteer's own (then no longer marked). */
    boolean ownParse(Frame frame) {
        return !ownParses.isEmpty() && ownParses.remove(frame);
    }

    /** Whether {@code frame}, on its way to the connection, is the gate's own SET (then no longer marked). */
    boolean gateSet(Frame frame) {
        return !gateSets.isEmpty() && gateSets.remove(frame);
    }

    /** A frame the backend sent outside any answer, as the client is to get it, or null when it is not the session's. */
    Frame fromBackend(Frame frame) {
        return gate.fromBackend(frame);
    }

    /** The session ended: the held frames go unsent. */
    void close() {
        closed = true;
        Frame unadmitted;
        while ((unadmitted = waiting.poll()) != null) {
            unadmitted.release();
        }
        ownParses.clear();
        gateSets.clear();
        SessionGate.Admitted waiting;
        while ((waiting = held.poll()) != null) {
            waiting.first().release();
            if (waiting.second() != null) {
                waiting.second().release();
            }
        }
    }
}
