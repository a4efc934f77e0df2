package dev.pgsteer.proxy.sharding.extended;

import dev.pgsteer.protocol.message.frontend.Target;
import dev.pgsteer.proxy.extended.PortalState;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The client's statements and portals on a sharded session, which pgsteer keeps itself (the shards see
 * unnamed ones, or names of pgsteer's own). The bookkeeping by name, and its errors, are the shared
 * {@link PortalState}'s; what is the sharded session's own is kept here: the portals that ran to their
 * end, and those suspended on a shard.
 */
public final class ShardedPortals {
    private final PortalState<Prepared, Portal> state = new PortalState<>(Portal::release);
    /**
     * Portals whose statement returns no rows and ran at an Execute. PostgreSQL runs such a portal
     * once: another Execute of it is an error (55000), not a second run.
     */
    private final Set<String> portalsRun = new HashSet<>();
    /**
     * Portals whose statement the coordinator step ran with a row limit. Their rows lived in the
     * coordinator's own transaction, which ended with that Execute: they cannot be continued.
     */
    private final Set<String> endedOnCoordinator = new HashSet<>();
    /** Portals suspended by Execute with a row limit, and the shard that holds each. */
    private final Map<String, ShardLink> suspended = new HashMap<>();

    /** The statements and portals by name: Parse, lookups, and their errors. */
    public PortalState<Prepared, Portal> state() {
        return state;
    }

    /** Bind: the portal replaces one of the same name, which may run again. */
    public void bind(String name, Portal portal) {
        state.bind(name, portal);
        portalsRun.remove(name);
        endedOnCoordinator.remove(name);
    }

    /** Close: a portal closed is no longer run or suspended anywhere. */
    public void close(Target target, String name) {
        state.close(target, name);
        if (target == Target.PORTAL) {
            portalsRun.remove(name);
            endedOnCoordinator.remove(name);
            suspended.remove(name);
        }
    }

    /** Whether the portal ran to its end at an Execute and cannot run again. */
    public boolean ran(String portal) {
        return portalsRun.contains(portal);
    }

    public void markRan(String portal) {
        portalsRun.add(portal);
    }

    /** Whether the coordinator step ran the portal with a row limit: another Execute of it cannot go on. */
    public boolean endedOnCoordinator(String portal) {
        return endedOnCoordinator.contains(portal);
    }

    public void markEndedOnCoordinator(String portal) {
        endedOnCoordinator.add(portal);
    }

    /** The shard holding the portal suspended by a row limit, or null. */
    public ShardLink suspendedOn(String portal) {
        return suspended.get(portal);
    }

    /** Where senders keep the portals they suspend. */
    public Map<String, ShardLink> suspended() {
        return suspended;
    }

    /** DISCARD, DEALLOCATE ALL: the session's prepared statements are gone. */
    public void forgetStatements() {
        state.forgetStatements();
    }

    /** The end of a unit (or the session): its portals go. */
    public void dropPortals() {
        state.closePortals();
        portalsRun.clear();
        endedOnCoordinator.clear();
    }

    /**
     * A Query or FunctionCall inside an extended-protocol batch runs in its turn, as in PostgreSQL,
     * and ends the batch's transaction: the portals go (the unnamed statement too), as at a commit.
     */
    public void endOfBatchTransaction() {
        dropPortals();
        state.forgetUnnamedStatement();
    }
}
