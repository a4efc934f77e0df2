package dev.pgsteer.proxy.sharding.execute;

import dev.pgsteer.protocol.message.TransactionStatus;
import dev.pgsteer.proxy.backend.BackendConnection;
import dev.pgsteer.proxy.backend.BackendListener;
import dev.pgsteer.proxy.backend.pool.BackendPool;
import dev.pgsteer.proxy.client.SessionSettings;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The shard connections one session holds: leased when a statement first needs a shard, made to
 * match the session's settings, brought into the session's transaction (BEGIN, and the savepoints
 * it has) when it has one, and given back when the transaction ends, or at the end of the session
 * when it is pinned. Runs on the session's event loop.
 */
public final class ShardLeases {
    private final Map<String, ShardLink> held = new LinkedHashMap<>();
    private final Map<BackendConnection, ShardLink> byConnection = new HashMap<>();
    private final Function<String, BackendPool> pools;
    private final BackendListener listener;
    private final EventLoop loop;
    private final SessionSettings settings;

    public ShardLeases(Function<String, BackendPool> pools, BackendListener listener, EventLoop loop, SessionSettings settings) {
        this.pools = pools;
        this.listener = listener;
        this.loop = loop;
        this.settings = settings;
    }

    public Collection<ShardLink> all() {
        return held.values();
    }

    public List<String> shards() {
        return List.copyOf(held.keySet());
    }

    /** The shards held, in the order they were leased: a live view, for the router's decision. */
    public Collection<String> heldShards() {
        return held.keySet();
    }

    public ShardLink of(BackendConnection connection) {
        return byConnection.get(connection);
    }

    public boolean isEmpty() {
        return held.isEmpty();
    }

    /**
     * The links to {@code shards}, leasing those not held yet; {@code begin}, when not null, is run on
     * each new one to bring it into the session's transaction.
     */
    public Future<List<ShardLink>> acquire(List<String> shards, String begin) {
        if (shards.size() == 1) {
            return acquireOne(shards.getFirst(), begin);
        }
        Promise<List<ShardLink>> result = loop.newPromise();
        List<Future<Void>> pending = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (String shard : shards) {
            ShardLink holding = held.get(shard);
            if (holding != null) {
                if (begin != null && !holding.inTransaction()) {
                    // Held from before the transaction began (a pinned session): it joins it now.
                    Promise<Void> one = loop.newPromise();
                    pending.add(one);
                    join(holding, begin).addListener(j -> {
                        if (!j.isSuccess()) {
                            failure[0] = failure[0] == null ? j.cause() : failure[0];
                        }
                        one.setSuccess(null);
                    });
                }
                continue;
            }
            Promise<Void> one = loop.newPromise();
            pending.add(one);
            BackendPool pool = pools.apply(shard);
            pool.acquire(loop).addListener(f -> {
                if (!f.isSuccess()) {
                    failure[0] = failure[0] == null ? f.cause() : failure[0];
                    one.setSuccess(null);
                    return;
                }
                BackendConnection connection = (BackendConnection) f.getNow();
                prepare(connection, begin).addListener(p -> {
                    if (!p.isSuccess()) {
                        failure[0] = failure[0] == null ? p.cause() : failure[0];
                        pool.discard(connection);
                    } else {
                        ShardLink link = new ShardLink(shard, pool, connection, begin != null);
                        held.put(shard, link);
                        byConnection.put(connection, link);
                        connection.attach(listener);
                    }
                    one.setSuccess(null);
                });
            });
        }
        Futures.whenAll(pending, loop).addListener(all -> {
            if (failure[0] != null) {
                result.setFailure(failure[0]);
            } else {
                List<ShardLink> links = new ArrayList<>();
                shards.forEach(s -> links.add(held.get(s)));
                result.setSuccess(links);
            }
        });
        return result;
    }

    /**
     * {@link #acquire} of one shard, the route of every statement placed by key: the same steps
     * without the per-shard promises and the wait on all of them, which cost more than the lease
     * itself when the shard is held or its pool has an idle connection.
     */
    private Future<List<ShardLink>> acquireOne(String shard, String begin) {
        ShardLink holding = held.get(shard);
        if (holding != null) {
            if (begin == null || holding.inTransaction()) {
                return loop.newSucceededFuture(List.of(holding));
            }
            // Held from before the transaction began (a pinned session): it joins it now.
            Promise<List<ShardLink>> joined = loop.newPromise();
            join(holding, begin).addListener(j -> {
                if (j.isSuccess()) {
                    joined.setSuccess(List.of(holding));
                } else {
                    joined.setFailure(j.cause());
                }
            });
            return joined;
        }
        Promise<List<ShardLink>> result = loop.newPromise();
        BackendPool pool = pools.apply(shard);
        pool.acquire(loop).addListener(f -> {
            if (!f.isSuccess()) {
                result.setFailure(f.cause());
                return;
            }
            BackendConnection connection = (BackendConnection) f.getNow();
            prepare(connection, begin).addListener(p -> {
                if (!p.isSuccess()) {
                    pool.discard(connection);
                    result.setFailure(p.cause());
                    return;
                }
                ShardLink link = new ShardLink(shard, pool, connection, begin != null);
                held.put(shard, link);
                byConnection.put(connection, link);
                connection.attach(listener);
                result.setSuccess(List.of(link));
            });
        });
        return result;
    }

    private Future<Void> join(ShardLink link, String begin) {
        Promise<Void> joined = loop.newPromise();
        link.connection().runInternal(begin, loop, TransactionStatus.IN_TRANSACTION).addListener(f -> {
            if (link.connection().isUsable()) {
                link.connection().attach(listener);
            }
            if (f.isSuccess()) {
                link.joinedTransaction();
                joined.setSuccess(null);
            } else {
                joined.setFailure(f.cause());
            }
        });
        return joined;
    }

    /** Makes a fresh lease carry the session's settings, then its transaction. */
    private Future<Void> prepare(BackendConnection connection, String begin) {
        String sync = settings.syncStatementFor(connection);
        String sql = sync == null ? begin : begin == null ? sync : sync + "; " + begin;
        if (sql == null) {
            return loop.newSucceededFuture(null);
        }
        Future<Void> done = connection.runInternal(sql, loop, begin == null ? TransactionStatus.IDLE : TransactionStatus.IN_TRANSACTION);
        return done.addListener(f -> {
            if (f.isSuccess() && sync != null) {
                settings.syncedOn(connection);
            }
        });
    }

    /** Gives every connection back to its pool: the session's transaction is over. */
    public void releaseAll() {
        for (ShardLink link : held.values()) {
            link.connection().detach();
            if (link.status() == TransactionStatus.IDLE && link.connection().isUsable()) {
                link.pool().release(link.connection());
            } else {
                discardOrRollback(link);
            }
        }
        held.clear();
        byConnection.clear();
    }

    /** A connection left in a transaction is rolled back before reuse; one that fails that is closed. */
    private static void discardOrRollback(ShardLink link) {
        if (!link.connection().isUsable()) {
            link.pool().discard(link.connection());
            return;
        }
        link.connection().runInternal("ROLLBACK", link.connection().eventLoop()).addListener(f -> {
            if (f.isSuccess()) {
                link.pool().release(link.connection());
            } else {
                link.pool().discard(link.connection());
            }
        });
    }

    /** At the end of a session: every connection back, rolled back and reset if need be. */
    public void closeAll(boolean reset) {
        for (ShardLink link : held.values()) {
            link.connection().detach();
            if (!link.connection().isUsable()) {
                link.pool().discard(link.connection());
                continue;
            }
            String cleanup = link.status() != TransactionStatus.IDLE ? "ROLLBACK" : null;
            if (reset) {
                cleanup = cleanup == null ? "DISCARD ALL" : cleanup;
            }
            if (cleanup == null) {
                link.pool().release(link.connection());
                continue;
            }
            String first = cleanup;
            link.connection().runInternal(first, link.connection().eventLoop()).addListener(f -> {
                if (!f.isSuccess()) {
                    link.pool().discard(link.connection());
                } else if (reset && first.equals("ROLLBACK")) {
                    link.connection().runInternal("DISCARD ALL", link.connection().eventLoop()).addListener(d -> {
                        if (d.isSuccess()) {
                            link.connection().discardedAll();
                            link.pool().release(link.connection());
                        } else {
                            link.pool().discard(link.connection());
                        }
                    });
                } else {
                    if (reset) {
                        link.connection().discardedAll();
                    }
                    link.pool().release(link.connection());
                }
            });
        }
        held.clear();
        byConnection.clear();
    }

    /** The link's connection broke: it is dropped, never reused. */
    public void lost(ShardLink link) {
        // Only if held: a connection apart (the coordinator's) has the shard's name but is not the session's link.
        held.remove(link.shard(), link);
        byConnection.remove(link.connection(), link);
        link.pool().discard(link.connection());
    }

    /**
     * A connection to {@code shard} apart from the session's own: not held, never in the session's
     * transaction, its frames not the session's (whoever leases it attaches to it). Made to match the
     * session's settings as any lease; {@link #giveBackApart} returns it. The coordinator step runs
     * its own transaction there.
     */
    public Future<ShardLink> leaseApart(String shard) {
        BackendPool pool = pools.apply(shard);
        Promise<ShardLink> leased = loop.newPromise();
        pool.acquire(loop).addListener(f -> {
            if (!f.isSuccess()) {
                leased.setFailure(f.cause());
                return;
            }
            BackendConnection connection = (BackendConnection) f.getNow();
            prepare(connection, null).addListener(p -> {
                if (p.isSuccess()) {
                    leased.setSuccess(new ShardLink(shard, pool, connection, false));
                } else {
                    pool.discard(connection);
                    leased.setFailure(p.cause());
                }
            });
        });
        return leased;
    }

    /**
     * A connection of {@link #leaseApart} goes back to its pool: as it is when {@code idle} (out of any
     * transaction), else rolled back first, and closed if that fails.
     */
    public static void giveBackApart(ShardLink apart, boolean idle) {
        apart.connection().detach();
        if (idle && apart.connection().isUsable()) {
            apart.pool().release(apart.connection());
        } else {
            discardOrRollback(apart);
        }
    }

    public void flush() {
        for (ShardLink link : held.values()) {
            link.connection().flush();
        }
    }
}
