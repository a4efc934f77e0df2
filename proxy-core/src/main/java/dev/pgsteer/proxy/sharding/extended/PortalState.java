package dev.pgsteer.proxy.sharding.extended;

import dev.pgsteer.proxy.sharding.execute.ShardLink;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The client's statements and portals of the extended protocol on a sharded session, which pgsteer
 * keeps itself (the shards see unnamed ones, or names of pgsteer's own): prepared statements by
 * name, bound portals, the portals that ran to their end, and those suspended on a shard.
 */
public final class PortalState {
    private final Map<String, Prepared> prepared = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();
    /**
     * Portals whose statement returns no rows and ran at an Execute. PostgreSQL runs such a portal
     * once: another Execute of it is an error (55000), not a second run.
     */
    private final Set<String> portalsRun = new HashSet<>();
    /** Portals suspended by Execute with a row limit, and the shard that holds each. */
    private final Map<String, ShardLink> suspended = new HashMap<>();

    public Prepared statement(String name) {
        return prepared.get(name);
    }

    public boolean hasStatement(String name) {
        return prepared.containsKey(name);
    }

    public void prepare(String name, Prepared statement) {
        prepared.put(name, statement);
    }

    public void closeStatement(String name) {
        prepared.remove(name);
    }

    /** DISCARD, DEALLOCATE ALL: the session's prepared statements are gone. */
    public void forgetStatements() {
        prepared.clear();
    }

    public Portal portal(String name) {
        return portals.get(name);
    }

    /** Bind: the portal replaces one of the same name. */
    public void bind(String name, Portal portal) {
        Portal old = portals.put(name, portal);
        portalsRun.remove(name);
        if (old != null) {
            old.release();
        }
    }

    public void closePortal(String name) {
        Portal portal = portals.remove(name);
        portalsRun.remove(name);
        if (portal != null) {
            portal.release();
        }
        suspended.remove(name);
    }

    /** Whether the portal ran to its end at an Execute and cannot run again. */
    public boolean ran(String portal) {
        return portalsRun.contains(portal);
    }

    public void markRan(String portal) {
        portalsRun.add(portal);
    }

    /** The shard holding the portal suspended by a row limit, or null. */
    public ShardLink suspendedOn(String portal) {
        return suspended.get(portal);
    }

    /** Where senders keep the portals they suspend. */
    public Map<String, ShardLink> suspended() {
        return suspended;
    }

    /** The end of a unit (or the session): its portals go. */
    public void dropPortals() {
        portals.values().forEach(Portal::release);
        portals.clear();
        portalsRun.clear();
    }

    /**
     * A Query or FunctionCall inside an extended-protocol batch runs in its turn, as in PostgreSQL,
     * and ends the batch's transaction: the portals go (the unnamed statement too), as at a commit.
     */
    public void endOfBatchTransaction() {
        dropPortals();
        prepared.remove("");
    }
}
