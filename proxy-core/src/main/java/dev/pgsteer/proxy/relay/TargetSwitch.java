package dev.pgsteer.proxy.relay;

import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.client.SessionGate;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * For a gated session (a tenant database), whose backend is not fixed at login: each frame runs on
 * the target the gate chose. A new target takes effect between leases only; until the connection
 * held is given back, frames for another one wait here, and the client is not read meanwhile.
 */
final class TargetSwitch {
    private final SessionGate gate;
    private final Lease lease;
    private final PooledRelay relay;
    private SessionGate.Target leaseTarget;
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

    /** Frames wait for the connection held to go back. */
    boolean holding() {
        return !held.isEmpty();
    }

    /** A frame of the session: relayed on the target the gate chose, or held until the switch to it. */
    void admit(Frame frame) {
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
