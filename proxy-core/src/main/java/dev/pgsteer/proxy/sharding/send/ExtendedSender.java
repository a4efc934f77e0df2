package dev.pgsteer.proxy.sharding.send;

import dev.pgsteer.protocol.message.Sync;
import dev.pgsteer.protocol.message.frontend.Bind;
import dev.pgsteer.protocol.message.frontend.Close;
import dev.pgsteer.protocol.message.frontend.Describe;
import dev.pgsteer.protocol.message.frontend.Execute;
import dev.pgsteer.protocol.message.frontend.Parse;
import dev.pgsteer.protocol.message.frontend.Target;
import dev.pgsteer.protocol.wire.Frame;
import dev.pgsteer.proxy.backend.PreparedOnConnection;
import dev.pgsteer.proxy.sharding.execute.ShardLink;
import dev.pgsteer.proxy.sharding.execute.ShardRequest;
import dev.pgsteer.proxy.sharding.extended.Portal;
import dev.pgsteer.proxy.sharding.extended.Prepared;
import dev.pgsteer.router.plan.KeySource;
import dev.pgsteer.router.plan.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes an Execute's messages: Parse (unnamed) of the statement's text, Bind, Describe if asked,
 * Execute, Sync. The proxy prepares the unnamed statement each time: the client's statement names
 * belong to its session, not to the shards' connections.
 */
public final class ExtendedSender implements StatementSender {
    private final Portal portal;
    private final String portalName;
    private final boolean describe;
    private final Frame execute;
    private final int maxRows;
    /** Where portals suspended by a row limit are kept, to continue on the same shard. */
    private final Map<String, ShardLink> suspended;
    /** Connections this send prepared the statement on: if the exchange fails, the Parse may not have taken. */
    private final List<PreparedOnConnection> fresh = new ArrayList<>(1);
    /** Whether the statement ran on the coordinator step's coordinator instead of being sent to shards. */
    private boolean coordinated;

    public ExtendedSender(Portal portal, String portalName, boolean describe, Frame execute, int maxRows,
                   Map<String, ShardLink> suspended) {
        this.portal = portal;
        this.portalName = portalName;
        this.describe = describe;
        this.execute = execute;
        this.maxRows = maxRows;
        this.suspended = suspended;
    }

    @Override
    public void send(ShardLink link, Route route, ShardRequest exchange) {
        var alloc = link.connection().channel().alloc();
        String textForShard = route.textByShard().get(link.shard());
        int[] parameters = route.parametersByShard().get(link.shard());
        if (portal != null) {
            Bind bind = portal.bind();
            // A statement split per shard (rows of a multi-row INSERT, with its share of the parameters)
            // or rewritten for merging runs its shard's own text, with the client's parameter types.
            if (parameters != null) {
                link.connection().write(Parse.encode(alloc, "", ParseTails.split(textForShard, portal.prepared().parseTail(), parameters)));
                link.connection().write(bind.rebind(alloc, "", parameters));
            } else if (textForShard == null && portal.prepared().backendName() != null) {
                String name = portal.prepared().backendName();
                prepareOn(link, name, portal.prepared().parseTail(), alloc);
                bind.frame().retain();
                link.connection().write(bind.renamed(alloc, name));
            } else {
                link.connection().write(Parse.encode(alloc, "", textForShard != null
                        ? ParseTails.of(textForShard, portal.prepared().parseTail()) : portal.prepared().parseTail()));
                ByteBuf unnamed;
                if (bind.frame().bytesToFollow() == 0 && bind.bindsUnnamed()) {
                    // The client bound the unnamed statement already (each Parse unnamed, as pgbench -M extended):
                    // its Bind goes on as it came, without a new header and a composite around its values.
                    unnamed = bind.frame().content().retainedDuplicate();
                } else {
                    bind.frame().retain();
                    unnamed = bind.renamed(alloc, "");
                }
                int hidden = exchange.hiddenColumns();
                link.connection().write(hidden > 0 ? Bind.of(new Frame(unnamed)).withHiddenColumns(alloc, hidden) : unnamed);
            }
            if (describe || exchange.needsDescription()) {
                link.connection().write(Describe.encode(alloc, Target.PORTAL, portalName));
            }
        }
        if (maxRows > 0 && exchange.links().size() > 1) {
            // Rows of several shards cannot be handed out a few at a time: each runs to completion
            // (drivers ask for a row limit of 1 on statements they expect no rows from).
            link.connection().write(Execute.encode(alloc, portalName, Execute.ALL_ROWS));
        } else {
            link.connection().write(execute.content().retainedDuplicate());
            if (maxRows > 0 && link.inTransaction()) {
                suspended.put(portalName, link);
            }
        }
        Channel channel = link.connection().channel();
        channel.write(Sync.INSTANCE, channel.voidPromise());
    }

    /**
     * Prepares a named statement on the link's connection unless it is there already. A Close of the
     * name goes first: after an error pgsteer cannot tell whether an earlier Parse of it took, and
     * closing a statement that does not exist is not an error. The connection keeps at most its
     * capacity of statements; the least recently used is closed. Every answer here is pgsteer's own.
     */
    private void prepareOn(ShardLink link, String name, byte[] tail, ByteBufAllocator alloc) {
        var preparedHere = link.connection().preparedStatements();
        if (preparedHere.contains(name)) {
            return;
        }
        fresh.add(preparedHere);
        link.connection().write(Close.encode(alloc, Target.STATEMENT, name));
        link.connection().write(Parse.encode(alloc, name, tail));
        String evicted = preparedHere.add(name);
        if (evicted != null) {
            link.connection().write(Close.encode(alloc, Target.STATEMENT, evicted));
        }
    }

    /** The exchange failed: the statements this send prepared are not counted on; the next use prepares them again. */
    public void forgetFreshlyPrepared() {
        if (portal != null && portal.prepared().backendName() != null) {
            fresh.forEach(p -> p.remove(portal.prepared().backendName()));
        }
        fresh.clear();
    }

    /**
     * This Execute with its statement parsed declaring {@code types} for its parameters (what
     * PostgreSQL resolved for the client's statement): for a text pgsteer wrote from it in which some
     * parameters no longer appear, whose types the client may have left to the server.
     */
    public ExtendedSender withTypes(int[] types) {
        Prepared prepared = portal.prepared();
        Portal typed = new Portal(new Prepared(prepared.statement(), ParseTails.withTypes(prepared.statement().text(), types), null),
                portal.bind());
        return new ExtendedSender(typed, portalName, describe, execute, maxRows, suspended);
    }

    /** The portal the Execute runs; null when it continues a portal suspended on a shard. */
    public Portal portal() {
        return portal;
    }

    public String portalName() {
        return portalName;
    }

    /** The coordinator step runs the statement itself (its final step takes the portal from here). */
    public void markCoordinated() {
        coordinated = true;
    }

    /** Whether the statement ran on the coordinator: its portal, suspended there, ended with the step. */
    public boolean coordinated() {
        return coordinated;
    }

    /** None when the Execute continues a portal suspended on a shard: it is routed to that shard. */
    @Override
    public KeySource.Placeholders values() {
        return portal != null ? portal : KeySource.Placeholders.NONE;
    }

    @Override
    public boolean extended() {
        return true;
    }

    @Override
    public boolean describe() {
        return describe;
    }

    @Override
    public int maxRows() {
        return maxRows;
    }
}
