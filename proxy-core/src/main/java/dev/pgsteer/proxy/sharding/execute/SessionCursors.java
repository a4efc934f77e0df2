package dev.pgsteer.proxy.sharding.execute;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendConnection;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where a session's open SQL cursors and continued portals live, so that FETCH, MOVE, CLOSE and the
 * next Execute reach them:
 *
 * <ul>
 *   <li>a cursor declared over one shard lives on the session's own link there ({@link #onShard});
 *   <li>a cursor or a portal suspended by a row limit whose statement the coordinator step ran
 *       inside a transaction block lives on the coordinator connection apart, whose transaction (and
 *       so its temporary tables) is <b>held</b> open past the statement: one connection per cursor or
 *       portal, no row kept in pgsteer. It is given back (ROLLBACK drops the tables, then the pool;
 *       closed if ROLLBACK fails) when the client closes it (CLOSE, Close, a new Bind of the portal's
 *       name), at ROLLBACK TO a savepoint made before it, and when the transaction ends (COMMIT,
 *       ROLLBACK, the implicit transaction's end, the client gone): {@link #transactionEnded}.
 * </ul>
 *
 * The coordinator apart is never in the session's transaction: COMMIT prepares the session's own
 * links only. Runs on the session's event loop.
 */
public final class SessionCursors {
    /** What is held on a coordinator: PostgreSQL's names of portals and cursors are two namespaces for a client. */
    public enum Kind { PORTAL, CURSOR }

    private record Key(Kind kind, String name) {
    }

    /** A coordinator held open, and how many savepoints the transaction had when it opened. */
    private record Held(ShardLink link, int savepoints) {
    }

    private final Map<Key, Held> held = new LinkedHashMap<>();
    /** Cursors on one shard: their name, and whether WITH HOLD (they outlive the transaction on a pinned link). */
    private final Map<String, OnShard> onShard = new HashMap<>();
    /** The session's: what is given back is reported there. */
    private final EventLoop loop;

    /** What {@link #transactionEnded} gives when nothing was open: made once, every transaction ends through here. */
    private final Future<Void> nothingHeld;

    public SessionCursors(EventLoop loop) {
        this.loop = loop;
        this.nothingHeld = loop.newSucceededFuture(null);
    }

    private record OnShard(String shard, boolean withHold, int savepoints) {
    }

    /** A DECLARE ran on {@code shard}, with {@code savepoints} savepoints in the transaction. */
    public void onShard(String cursor, String shard, boolean withHold, int savepoints) {
        onShard.put(cursor, new OnShard(shard, withHold, savepoints));
    }

    /** The shard a cursor was declared on, or null. */
    public String shardOf(String cursor) {
        OnShard on = onShard.get(cursor);
        return on == null ? null : on.shard();
    }

    /** The shards holding cursors, for CLOSE ALL. */
    public List<String> cursorShards() {
        return onShard.values().stream().map(OnShard::shard).distinct().toList();
    }

    /** Whether the session has a cursor of this name anywhere pgsteer knows of. */
    public boolean declared(String cursor) {
        return onShard.containsKey(cursor) || held.containsKey(new Key(Kind.CURSOR, cursor));
    }

    /** The coordinator's transaction outlives its statement: a cursor or suspended portal lives there. */
    public void hold(Kind kind, String name, ShardLink coordinator, int savepoints) {
        Held before = held.put(new Key(kind, name), new Held(coordinator, savepoints));
        if (before != null) {
            giveBack(before.link());
        }
    }

    /** The coordinator holding this portal or cursor, or null. Asked at every Execute: no allocation when none is held. */
    public ShardLink coordinator(Kind kind, String name) {
        if (held.isEmpty()) {
            return null;
        }
        Held h = held.get(new Key(kind, name));
        return h == null ? null : h.link();
    }

    /** CLOSE, Close, a new Bind of the name: what it named goes, its coordinator back to the pool. */
    public Future<Void> close(Kind kind, String name) {
        if (kind == Kind.CURSOR) {
            onShard.remove(name);
        }
        Held h = held.remove(new Key(kind, name));
        return h == null ? loop.newSucceededFuture(null) : giveBack(h.link());
    }

    /** The protocol's Close of a portal, or a Bind that replaces it: asked at every Bind, so nothing is made when none is held. */
    public void portalGone(String portal) {
        if (!held.isEmpty()) {
            close(Kind.PORTAL, portal);
        }
    }

    /** CLOSE ALL: every cursor goes (portals stay). */
    public Future<Void> closeAllCursors() {
        onShard.clear();
        return giveBackWhere(k -> k.kind() == Kind.CURSOR, h -> true);
    }

    /**
     * The link's connection is gone with a request in flight on it: the session's relay closed and
     * discarded it already, so it is not given back a second time.
     */
    public void forget(ShardLink link) {
        held.values().removeIf(h -> h.link() == link);
    }

    /** ROLLBACK TO leaves {@code savepoints} savepoints: what opened after them is closed, as in PostgreSQL (on a shard, by the shard). */
    public void rolledBackTo(int savepoints) {
        onShard.values().removeIf(on -> on.savepoints() >= savepoints);
        giveBackWhere(k -> true, h -> h.savepoints() >= savepoints);
    }

    /** RELEASE leaves {@code savepoints}: what opened inside the released ones now belongs to the one left. */
    public void released(int savepoints) {
        held.replaceAll((k, h) -> h.savepoints() > savepoints ? new Held(h.link(), savepoints) : h);
        onShard.replaceAll((k, on) -> on.savepoints() > savepoints ? new OnShard(on.shard(), on.withHold(), savepoints) : on);
    }

    /** The transaction ended: every coordinator goes back, and the cursors declared WITHOUT HOLD on shards are gone. */
    public Future<Void> transactionEnded() {
        if (held.isEmpty() && onShard.isEmpty()) {
            return nothingHeld;
        }
        onShard.values().removeIf(on -> !on.withHold());
        return giveBackWhere(k -> true, h -> true);
    }

    /** Whether {@code ended} (of {@link #transactionEnded}) had nothing to give back. */
    public boolean nothingHeld(Future<Void> ended) {
        return ended == nothingHeld;
    }

    private Future<Void> giveBackWhere(Predicate<Key> key, Predicate<Held> which) {
        List<Future<Void>> given = new ArrayList<>();
        for (Iterator<Map.Entry<Key, Held>> it = held.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Held> e = it.next();
            if (key.test(e.getKey()) && which.test(e.getValue())) {
                it.remove();
                given.add(giveBack(e.getValue().link()));
            }
        }
        return Futures.whenAll(given, loop);
    }

    /** ROLLBACK drops the coordinator's temporary tables (and its portal or cursor); then the connection goes back to its pool. */
    private Future<Void> giveBack(ShardLink link) {
        BackendConnection connection = link.connection();
        connection.detach();
        if (!connection.isUsable()) {
            link.pool().discard(connection);
            return loop.newSucceededFuture(null);
        }
        Promise<Void> done = loop.newPromise();
        connection.runInternal("ROLLBACK", loop, TransactionStatus.IDLE).addListener(f -> {
            if (f.isSuccess()) {
                link.pool().release(connection);
            } else {
                link.pool().discard(connection);
            }
            done.setSuccess(null);
        });
        return done;
    }
}
